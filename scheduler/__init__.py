"""The CP-SAT side: variables, constraints (one module per rule family), objective, solve,
explanations, exports and the independent validator.

Import what you need from its module (``from scheduler.solve import solve``); this package
imports nothing itself, so that the validator and the writers load without OR-Tools.
"""
