"""Fixtures for the peer tests. (If tests/conftest.py imports ``bluesky_pds`` too, drop it here.)"""

from tests.peers.bluesky_pds import bluesky_pds  # noqa: F401
