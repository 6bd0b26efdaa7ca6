"""Calendar feeds that recruits subscribe to on their phones (issue 4).

A SQLite store of capability tokens (hashes only) and published plan versions, an ASGI
service that serves ``/feeds/<token>.ics``, and the coordinator's links (CSV and a
printable page with QR codes). See feeds/README.md.
"""

from feeds.app import FeedConfig, create_app, redact_path
from feeds.links import current_links, feed_urls, links_csv, links_html, qr_svg, write_links
from feeds.publish import plan_feeds, publish_plan
from feeds.store import KINDS, FeedStore, Issued, Person, PersonFeed, PublishReport, new_token, token_hash
from feeds.versioning import EventState, event_states, resequence, without_events

__all__ = [
    "KINDS", "EventState", "FeedConfig", "FeedStore", "Issued", "Person", "PersonFeed", "PublishReport",
    "create_app", "current_links", "event_states", "feed_urls", "links_csv", "links_html", "new_token",
    "plan_feeds", "publish_plan", "qr_svg", "redact_path", "resequence", "token_hash",
    "without_events", "write_links",
]
