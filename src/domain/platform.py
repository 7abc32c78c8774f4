"""The social platforms an integration can belong to."""

from enum import StrEnum


class Platform(StrEnum):
    TWITTER = "twitter"
    BLUESKY = "bluesky"
    INSTAGRAM = "instagram"
    YOUTUBE = "youtube"
    TIKTOK = "tiktok"
    THREADS = "threads"
    FACEBOOK = "facebook"
    LINKEDIN = "linkedin"

    @property
    def is_available(self) -> bool:
        """Only X and Bluesky can be connected and posted to; the rest await approval."""
        return self in AVAILABLE_PLATFORMS


AVAILABLE_PLATFORMS = frozenset({Platform.TWITTER, Platform.BLUESKY})
