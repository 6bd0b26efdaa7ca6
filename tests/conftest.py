"""Shared pytest fixtures. Add yours below; keep each one independent of the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import Instance, read

SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"
"""The shared folder beside the repository (SPEC.md, the example instance)."""

EXAMPLE_INSTANCE_DIR = SHARED_DIR / "example-instance"


@pytest.fixture(scope="session")
def example_instance_dir() -> Path:
    """The folder of SPEC.md's complete example instance (read-only)."""
    return EXAMPLE_INSTANCE_DIR


@pytest.fixture(scope="session")
def example_instance() -> Instance:
    """SPEC.md's example instance, read once per test session."""
    return read(EXAMPLE_INSTANCE_DIR)
