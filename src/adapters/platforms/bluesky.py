"""Bluesky over the AT Protocol SDK, against the one configured service.

Every call goes to `service_url`: never to a server named by a request or by an account's
DID document (an entryway such as bsky.social reaches the account's PDS for us), so no user
can point this server at an address of their choosing. Sessions are resumed from stored
credentials by sending their JWT, never by logging in per post. The SDK takes about a second
to import, so it is loaded on first use, in a worker thread: `openpost serve` starts fast
and the event loop keeps serving while it loads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from adapters.platforms.bluesky_answers import (
    bearer,
    blob_cid,
    credentials_from,
    did_of,
    field,
    made_with_main_password,
    now_iso,
)
from adapters.platforms.bluesky_failures import failure_of, lasting
from adapters.platforms.bluesky_media import embed_images
from adapters.platforms.bluesky_parts import links, resolve_reference, upload_thumb
from adapters.platforms.media_rules import check_bluesky_media
from adapters.platforms.untrusted_urls import https_url_or_none
from application.ports.bluesky import (
    AppPasswordRequired,
    BlueskyGateway,
    BlueskyLogin,
    InvalidCredentials,
)
from application.ports.credentials import Credentials
from application.ports.image_fitter import ImageFitter
from application.ports.outgoing_media import OutgoingMedia
from application.ports.platforms import (
    AccessTokenExpired,
    ContentRejected,
    CredentialsRejected,
    PublishedPost,
)
from application.ports.threads import OutgoingPart, PublishedPart, ReplyRefs, ThreadGateway
from domain.integration import IntegrationWarning, Profile
from domain.platform import Platform
from domain.references import PostRef
from domain.text import BLUESKY_MAX_BYTES, BLUESKY_MAX_GRAPHEMES, bluesky_fits

log = logging.getLogger(__name__)

POST_COLLECTION = "app.bsky.feed.post"
PROFILE_COLLECTION = "app.bsky.actor.profile"
SESSION_ERRORS = frozenset({"ExpiredToken", "InvalidToken"})


class AtprotoBlueskyGateway(BlueskyGateway, ThreadGateway):
    platform = Platform.BLUESKY
    wants_link_cards = True

    def __init__(
        self, service_url: str, timeout: float = 10.0, fitter: ImageFitter | None = None
    ) -> None:
        self.service_url = service_url.rstrip("/")
        self.timeout = timeout
        self.fitter = fitter
        self._sdk: SimpleNamespace | None = None
        self._client: Any = None
        self._opening = asyncio.Lock()

    async def login(self, identifier: str, password: str) -> BlueskyLogin:
        """Creates a session. A main password (the access JWT's scope says so) works, with
        the `main_password_used` warning, but is not kept."""
        client = await self._open()
        try:
            session = await client.com.atproto.server.create_session(
                {"identifier": identifier.strip().removeprefix("@"), "password": password}
            )
        except Exception as error:
            failure = lasting(error)
            if failure.error == "AuthFactorTokenRequired":
                raise AppPasswordRequired(failure.message or failure.error) from error
            raise InvalidCredentials(failure.message or "login refused") from error
        credentials = credentials_from(session, password)
        main = made_with_main_password(credentials)
        warnings = (IntegrationWarning.MAIN_PASSWORD_USED,) if main else ()
        return BlueskyLogin(credentials, await self._profile(client, credentials.extra), warnings)

    async def refresh(self, credentials: Credentials) -> Credentials:
        """Renews the session; when the refresh JWT is spent or revoked, logs in once again
        with the stored app password. A refused re-login is `CredentialsRejected`."""
        client = await self._open()
        if credentials.refresh_token:
            try:
                session = await client.com.atproto.server.refresh_session(
                    headers=bearer(credentials.refresh_token)
                )
            except Exception as error:
                failure = lasting(error)
                log.info("Bluesky session of %s ended (%s)", did_of(credentials), failure.error)
            else:
                return credentials_from(session, credentials.password)
        return await self._login_again(client, credentials)

    async def publish(
        self, credentials: Credentials, text: str, media: Sequence[OutgoingMedia] = ()
    ) -> PublishedPost:
        published = await self.publish_part(credentials, OutgoingPart(text), media)
        return PublishedPost(published.platform_post_id, published.url)

    async def publish_part(
        self, credentials: Credentials, part: OutgoingPart, media: Sequence[OutgoingMedia] = ()
    ) -> PublishedPart:
        """A post with link, mention and tag facets, its images (`bluesky_media`), and its
        reply, embed and languages (`bluesky_parts`). `AccessTokenExpired` asks the caller
        to refresh and try again; a text or media Bluesky would refuse never leaves. Only
        createRecord is at most once."""
        check_bluesky_media(media)
        text = part.text
        if not bluesky_fits(text) and not (media and text == ""):
            raise ContentRejected(
                "content_too_long",
                f"Bluesky accepts 1 to {BLUESKY_MAX_GRAPHEMES} characters "
                f"and at most {BLUESKY_MAX_BYTES} bytes",
            )
        client = await self._open()
        models = self._loaded().models
        did = did_of(credentials)
        embed = None
        if media:
            if self.fitter is None:
                raise ContentRejected("media_rejected", "this server cannot prepare images")
            embed = await embed_images(client, models, self.fitter, credentials, media)
        facets = await self._facets(client, text)
        thumb = None
        if part.card is not None and part.quote is None and embed is None:
            thumb = await upload_thumb(client, models, credentials, part.card)
        record = models.AppBskyFeedPost.Record(
            text=text,
            created_at=now_iso(),
            facets=facets or None,
            **links(models, part, thumb, embed),
        )
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=did, collection=POST_COLLECTION, record=record
        )
        try:
            created = await client.com.atproto.repo.create_record(
                data, headers=bearer(credentials.access_token)
            )
        except Exception as error:
            failure = lasting(error)
            if failure.error in SESSION_ERRORS or failure.status == 401:
                raise AccessTokenExpired(failure.error or "access token refused") from error
            raise ContentRejected("content_rejected", failure.message or failure.error) from error
        uri = str(created.uri)
        handle = credentials.extra.get("handle") or did
        url = f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}"
        return PublishedPart(uri, url, str(created.cid))

    async def resolve(self, credentials: Credentials, reference: PostRef) -> ReplyRefs:
        return await resolve_reference(await self._open(), reference)

    async def revoke(self, credentials: Credentials) -> None:
        """Ends the session (deleteSession with the refresh JWT); one already ended is fine.
        An app password itself can only be revoked by its owner, in Bluesky."""
        if not credentials.refresh_token:
            return
        client = await self._open()
        try:
            await client.com.atproto.server.delete_session(
                headers=bearer(credentials.refresh_token)
            )
        except Exception as error:
            lasting(error)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.request.close()
            self._client = None

    async def _open(self) -> Any:
        """The SDK client, made on first use (the SDK import runs in a worker thread)."""
        if self._client is None:
            async with self._opening:
                if self._client is None:
                    self._sdk = await asyncio.to_thread(_import_sdk)
                    request = self._sdk.AsyncRequest(timeout=self.timeout)
                    self._client = self._sdk.AsyncClient(self.service_url, request=request)
        return self._client

    def _loaded(self) -> SimpleNamespace:
        assert self._sdk is not None, "call _open() first"
        return self._sdk

    async def _login_again(self, client: Any, credentials: Credentials) -> Credentials:
        password = credentials.password
        if not password:
            raise CredentialsRejected("token_revoked", "session ended; no app password stored")
        identifier = credentials.extra.get("did") or credentials.extra.get("handle", "")
        try:
            session = await client.com.atproto.server.create_session(
                {"identifier": identifier, "password": password}
            )
        except Exception as error:
            failure = lasting(error)
            raise CredentialsRejected(
                "token_revoked", f"Bluesky refused the stored app password ({failure.error})"
            ) from error
        return credentials_from(session, password)

    async def _profile(self, client: Any, extra: Mapping[str, str]) -> Profile:
        """Display name and avatar from the profile record; the handle when there is none."""
        did, handle = extra["did"], extra["handle"]
        try:
            found = await client.com.atproto.repo.get_record(
                {"repo": did, "collection": PROFILE_COLLECTION, "rkey": "self"}
            )
            name = field(found.value, "display_name", "displayName")
            avatar = blob_cid(field(found.value, "avatar", "avatar"))
        except Exception as error:  # none, or unreadable: the profile is only cosmetic
            log.info("no usable Bluesky profile for %s (%s)", did, type(error).__name__)
            return Profile(did, handle, handle)
        avatar_url = None
        if avatar:
            # The account's server comes from its DID document, which the account controls.
            base = extra.get("pds_url") or self.service_url
            query = urlencode({"did": did, "cid": avatar})
            avatar_url = https_url_or_none(
                f"{base}/xrpc/com.atproto.sync.getBlob?{query}",
                trusted_origins=[self.service_url],
            )
        display = name.strip() if isinstance(name, str) and name.strip() else handle
        return Profile(did, handle, display, avatar_url)

    async def _facets(self, client: Any, text: str) -> list[Any]:
        """Links, tags and cashtags as the official clients detect them; mentions whose
        handle resolves to a DID (any other stays plain text). Offsets are UTF-8 bytes."""
        sdk = self._loaded()
        facets: list[Any] = list(sdk.detect_facets(text))
        mentions = sdk.detect_mentions(text)
        handles = sorted({m.handle.lower() for m in mentions})
        resolved = await asyncio.gather(*(self._resolve(client, h) for h in handles))
        dids = dict(zip(handles, resolved, strict=True))
        kind = sdk.models.AppBskyRichtextFacet
        for mention in mentions:
            did = dids.get(mention.handle.lower())
            if did is not None:
                index = kind.ByteSlice(byte_start=mention.byte_start, byte_end=mention.byte_end)
                facets.append(kind.Main(features=[kind.Mention(did=did)], index=index))
        return sorted(facets, key=lambda f: f.index.byte_start)

    async def _resolve(self, client: Any, handle: str) -> str | None:
        try:
            found = await client.com.atproto.identity.resolve_handle({"handle": handle})
        except Exception as error:
            if failure_of(error) is None:
                raise
            return None
        return str(found.did)


def _import_sdk() -> SimpleNamespace:
    from atproto_client import AsyncClient, models
    from atproto_client.request import AsyncRequest
    from atproto_client.utils import detect_facets, detect_mentions

    return SimpleNamespace(
        AsyncClient=AsyncClient,
        AsyncRequest=AsyncRequest,
        models=models,
        detect_facets=detect_facets,
        detect_mentions=detect_mentions,
    )
