"""The simulated platform behind test workspaces: no network, realistic ids and URLs."""

from __future__ import annotations

import secrets
from datetime import timedelta

from application.ports.clock import Clock
from application.ports.credentials import Credentials
from application.ports.platforms import PlatformGateway, PublishedPost
from domain.platform import Platform


class SimulatedGateway(PlatformGateway):
    def __init__(self, platform: Platform, clock: Clock) -> None:
        self.platform = platform
        self.clock = clock
        self.published: list[tuple[str, str]] = []

    async def publish(self, credentials: Credentials, text: str) -> PublishedPost:
        if self.platform is Platform.BLUESKY:
            rkey = _tid()
            handle = credentials.extra.get("handle", "openpost-demo.bsky.social")
            post = PublishedPost(
                platform_post_id=f"at://{credentials.extra.get('did', 'did:plc:simulated')}"
                f"/app.bsky.feed.post/{rkey}",
                url=f"https://bsky.app/profile/{handle}/post/{rkey}",
            )
        else:
            tweet_id = str(secrets.randbelow(9 * 10**18) + 10**18)
            username = credentials.extra.get("username", "openpost_demo")
            post = PublishedPost(tweet_id, f"https://x.com/{username}/status/{tweet_id}")
        self.published.append((post.platform_post_id, text))
        return post

    async def refresh(self, credentials: Credentials) -> Credentials:
        return Credentials(
            access_token="simulated-" + secrets.token_urlsafe(16),
            refresh_token="simulated-" + secrets.token_urlsafe(16),
            expires_at=self.clock.now() + timedelta(hours=2),
            scopes=credentials.scopes,
            extra=credentials.extra,
        )

    async def revoke(self, credentials: Credentials) -> None:
        return None


_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def _tid() -> str:
    value = secrets.randbits(63)
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))
