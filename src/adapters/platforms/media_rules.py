"""What each platform takes in one post, checked again at publish time before any call.

Posts are checked when created; these guard the adapters too (a platform's answer to a
mix it refuses would only come after uploads), and the simulated platform applies them
so test workspaces fail as live ones would.
"""

from __future__ import annotations

from collections.abc import Sequence

from application.ports.outgoing_media import OutgoingMedia
from application.ports.platforms import ContentRejected

MAX_IMAGES = 4
X_MAX_VIDEO_MS = 140_000


def check_x_media(media: Sequence[OutgoingMedia]) -> None:
    """X: 1-4 images, or exactly one GIF, or exactly one video of at most 140 s."""
    kinds = [item.kind for item in media]
    if not kinds:
        return
    if len(kinds) > 1 and set(kinds) != {"image"}:
        raise ContentRejected("media_rejected", "X takes one GIF or one video, never mixed")
    if len(kinds) > MAX_IMAGES:
        raise ContentRejected("media_rejected", f"X takes at most {MAX_IMAGES} images")
    duration = media[0].duration_ms
    if kinds == ["video"] and duration is not None and duration > X_MAX_VIDEO_MS:
        raise ContentRejected("media_rejected", "X takes videos of at most 140 seconds")


def check_bluesky_media(media: Sequence[OutgoingMedia]) -> None:
    """Bluesky: 1-4 images; GIFs and videos are not supported."""
    if any(item.kind != "image" for item in media):
        raise ContentRejected("media_not_supported", "Bluesky posts here carry images only")
    if len(media) > MAX_IMAGES:
        raise ContentRejected("media_rejected", f"Bluesky takes at most {MAX_IMAGES} images")
