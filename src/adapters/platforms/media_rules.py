"""What each platform takes in one post, checked again at publish time before any call.

Posts are checked when created (`domain.media_rules`); the adapters apply the same rules
once more, so a mix a platform refuses never costs uploads, and the simulated platform
fails test workspaces' posts as the live one would. A refusal is the platform's kind of
error here: `ContentRejected`, `media_not_supported` or `media_rejected`.
"""

from __future__ import annotations

from collections.abc import Sequence

from application.ports.outgoing_media import OutgoingMedia
from application.ports.platforms import ContentRejected
from domain.errors import InvalidMediaInput, MediaNotSupported
from domain.media_rules import check_media_for
from domain.platform import Platform


def check_platform_media(platform: Platform, media: Sequence[OutgoingMedia]) -> None:
    try:
        check_media_for(platform, media, "media")
    except MediaNotSupported as refused:
        raise ContentRejected("media_not_supported", refused.reason) from None
    except InvalidMediaInput as refused:
        raise ContentRejected("media_rejected", refused.reason) from None


def check_x_media(media: Sequence[OutgoingMedia]) -> None:
    check_platform_media(Platform.TWITTER, media)


def check_bluesky_media(media: Sequence[OutgoingMedia]) -> None:
    check_platform_media(Platform.BLUESKY, media)
