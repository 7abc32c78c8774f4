"""The simulated platform behind test workspaces: no network, realistic ids and URLs."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from adapters.platforms.media_rules import check_bluesky_media, check_x_media
from application.ports.bluesky import BlueskyGateway, BlueskyLogin, InvalidCredentials
from application.ports.clock import Clock
from application.ports.credentials import Credentials
from application.ports.outgoing_media import OutgoingMedia
from application.ports.platforms import PublishedPost
from application.ports.threads import (
    OutgoingPart,
    PlatformPostRef,
    PublishedPart,
    ReplyRefs,
    ThreadGateway,
)
from application.ports.twitter import AuthorizationCodeRejected, SimulatedConsent, TwitterGateway
from application.start_connect import TWITTER_SCOPES, code_challenge
from application.workspaces import SYNTHETIC_PROFILES
from domain.integration import Profile
from domain.platform import Platform
from domain.references import BlueskyPostRef, PostRef, XPostRef

# The contract's password for Bluesky connects in test workspaces.
SIMULATED_APP_PASSWORD = "test-test-test-test"


class SimulatedGateway(ThreadGateway):
    wants_link_cards = False  # test workspaces never touch the network
    def __init__(self, platform: Platform, clock: Clock) -> None:
        self.platform = platform
        self.clock = clock
        self.published: list[tuple[str, str]] = []
        self.published_media: list[tuple[OutgoingMedia, ...]] = []

    async def publish(
        self, credentials: Credentials, text: str, media: Sequence[OutgoingMedia] = ()
    ) -> PublishedPost:
        """As the live platform would answer, after the same checks of `media`, whose bytes
        are read through (a missing stored file fails here as it would live)."""
        if self.platform is Platform.BLUESKY:
            check_bluesky_media(media)
        else:
            check_x_media(media)
        for item in media:
            async for _ in item.chunks():
                pass
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
        self.published_media.append(tuple(media))
        return post

    async def publish_part(
        self, credentials: Credentials, part: OutgoingPart, media: Sequence[OutgoingMedia] = ()
    ) -> PublishedPart:
        """Threads, replies and quotes are accepted as they are; a Bluesky part gets a CID."""
        post = await self.publish(credentials, part.text, media)
        cid = f"bafyrei{_tid()}" if self.platform is Platform.BLUESKY else None
        return PublishedPart(post.platform_post_id, post.url, cid)

    async def resolve(self, credentials: Credentials, reference: PostRef) -> ReplyRefs:
        """Every well-formed reference names a post that exists."""
        if isinstance(reference, XPostRef):
            ref = PlatformPostRef(reference.post_id)
        else:
            assert isinstance(reference, BlueskyPostRef)
            ref = PlatformPostRef(reference.at_uri, f"bafyrei{_tid()}")
        return ReplyRefs(ref, ref)

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


class SimulatedBlueskyGateway(SimulatedGateway, BlueskyGateway):
    """Bluesky for test workspaces: any handle logs in with `test-test-test-test`, any other
    password is refused. A handle always maps to the same DID, so connecting it again
    reactivates the same integration (the demo handle maps to the demo account)."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(Platform.BLUESKY, clock)

    async def login(self, identifier: str, password: str) -> BlueskyLogin:
        handle = identifier.strip().removeprefix("@").lower()
        if not handle or password != SIMULATED_APP_PASSWORD:
            raise InvalidCredentials("Invalid identifier or password")
        demo = SYNTHETIC_PROFILES[Platform.BLUESKY]
        profile = demo if handle == demo.username else Profile(_did_for(handle), handle, handle)
        credentials = Credentials(
            access_token="simulated-" + secrets.token_urlsafe(16),
            refresh_token="simulated-" + secrets.token_urlsafe(16),
            expires_at=self.clock.now() + timedelta(hours=2),
            extra={"did": profile.platform_user_id, "handle": profile.username},
        )
        return BlueskyLogin(credentials, profile)


class SimulatedTwitterGateway(SimulatedGateway, TwitterGateway, SimulatedConsent):
    """X for test workspaces: the simulated consent screen hands out a code bound to the PKCE
    challenge (good for 30 s, as on X), and the exchange gives tokens for the synthetic
    account, so connecting in a test workspace reactivates its demo integration.

    The code carries its own challenge and expiry instead of living in memory, so any
    process can exchange it; the single-use state, checked before, is what guards the flow.
    """

    CODE_LIFETIME = timedelta(seconds=30)

    def __init__(self, clock: Clock) -> None:
        super().__init__(Platform.TWITTER, clock)

    def issue_code(self, code_challenge: str) -> str:
        expires = int((self.clock.now() + self.CODE_LIFETIME).timestamp())
        return f"simulated.{code_challenge}.{expires}"

    async def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> Credentials:
        prefix, _, rest = code.partition(".")
        challenge, _, expires = rest.rpartition(".")
        if (
            prefix != "simulated"
            or not expires.isdigit()
            or self.clock.now().timestamp() >= int(expires)
            or challenge != code_challenge(code_verifier)
        ):
            raise AuthorizationCodeRejected("Value passed for the authorization code was invalid.")
        return Credentials(
            access_token="simulated-" + secrets.token_urlsafe(16),
            refresh_token="simulated-" + secrets.token_urlsafe(16),
            expires_at=self.clock.now() + timedelta(hours=2),
            scopes=TWITTER_SCOPES,
        )

    async def profile(self, credentials: Credentials) -> Profile:
        return SYNTHETIC_PROFILES[Platform.TWITTER]


def _did_for(handle: str) -> str:
    digest = hashlib.sha256(handle.encode()).digest()[:15]
    return "did:plc:" + base64.b32encode(digest).decode().lower()


_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def _tid() -> str:
    value = secrets.randbits(63)
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))
