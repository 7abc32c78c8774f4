"""The simulated platforms of test workspaces refuse the media the live ones refuse."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.clock import ManualClock
from adapters.platforms.simulated import SimulatedBlueskyGateway, SimulatedTwitterGateway
from application.ports.credentials import Credentials
from application.ports.outgoing_media import OutgoingMedia
from application.ports.platforms import ContentRejected, PlatformGateway
from domain.media import MediaKind
from tests.support.media import outgoing

CLOCK = ManualClock(datetime(2026, 4, 17, tzinfo=UTC))
CREDENTIALS = Credentials(access_token="simulated")
IMAGE = outgoing(b"png")
GIF = outgoing(b"gif", kind=MediaKind.GIF, content_type="image/gif")
VIDEO = outgoing(b"mp4", kind=MediaKind.VIDEO, content_type="video/mp4", duration_ms=30_000)
LONG_VIDEO = outgoing(b"mp4", kind=MediaKind.VIDEO, content_type="video/mp4", duration_ms=140_001)
X = SimulatedTwitterGateway(CLOCK)
BLUESKY = SimulatedBlueskyGateway(CLOCK)


@pytest.mark.parametrize(
    ("gateway", "media"),
    [
        (X, [IMAGE] * 4),
        (X, [GIF]),
        (X, [VIDEO]),
        (BLUESKY, [IMAGE] * 4),
    ],
)
async def test_what_the_platform_takes_is_published(
    gateway: PlatformGateway, media: list[OutgoingMedia]
) -> None:
    assert (await gateway.publish(CREDENTIALS, "", media)).platform_post_id


@pytest.mark.parametrize(
    ("gateway", "media", "code"),
    [
        (X, [IMAGE] * 5, "media_rejected"),
        (X, [GIF, IMAGE], "media_rejected"),
        (X, [VIDEO, VIDEO], "media_rejected"),
        (X, [LONG_VIDEO], "media_rejected"),
        (BLUESKY, [IMAGE] * 5, "media_rejected"),
        (BLUESKY, [GIF], "media_not_supported"),
        (BLUESKY, [VIDEO], "media_not_supported"),
    ],
)
async def test_what_the_platform_refuses_is_refused(
    gateway: PlatformGateway, media: list[OutgoingMedia], code: str
) -> None:
    with pytest.raises(ContentRejected) as refused:
        await gateway.publish(CREDENTIALS, "text", media)
    assert refused.value.code == code
