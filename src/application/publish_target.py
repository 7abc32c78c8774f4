"""Publishes one claimed target and records what came of it.

The claim (publishing, one more attempt, a lease) was committed before this runs, so a
worker that dies mid-send leaves a lease that expires into `outcome_unknown`: a post is
sent at most once. What each answer means (retries, rate limits, at most once) is the post
target's business (`domain.post_target`); here errors become outcomes:
- disconnected at publish time -> fails `integration_disconnected` (nothing sent);
- needs_refresh, or credentials refused for good -> the integration is (or goes to)
  needs_refresh and the target fails `integration_needs_refresh`;
- an expired access token -> refreshed once and sent again (nothing was posted);
- nothing sent, or a 5xx -> `Transient`; sent and then lost -> `outcome_unknown`;
- 429 -> `RateLimited`; any other refusal -> fails with the platform's code and message;
- "duplicate content" on a later attempt, where a platform can look it up
  (`RecentPostFinder`): the earlier attempt's post was created although the platform
  answered 5xx, so the one found is recorded as published; none found -> the refusal stands
  (a thread's parts the same, each: `publish_chain`);
- media: the rows come with the claim's context, the bytes stream from the `MediaStore`
  while the platform adapter uploads them; uploads post nothing, so their failures are
  retried, and a stored object that is gone fails the target `media_missing`.
No transaction is open while a platform is called.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import timedelta

from application.attachments import outgoing_media
from application.claim_due_targets import read_contexts
from application.errors import NotFound, PlatformNotConfigured, PlatformUnavailable
from application.ports.clock import Clock
from application.ports.credentials import StoredCredentials
from application.ports.link_cards import LinkCardSource
from application.ports.media_store import MediaStore
from application.ports.outcomes import OutcomeRecorder
from application.ports.outgoing_media import MediaUnreadable, OutgoingMedia
from application.ports.platform_directory import PlatformDirectory
from application.ports.platforms import (
    AccessTokenExpired,
    ContentRejected,
    CredentialsRejected,
    PlatformError,
    PlatformGateway,
    PlatformRateLimited,
    PlatformUnreachable,
    PublishedPost,
)
from application.ports.publish_queue import ClaimedTarget, PublishContext
from application.ports.recent_posts import RecentPostFinder
from application.ports.threads import ThreadGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from application.publish_chain import DUPLICATE, THREAD_INCOMPLETE, PublishChain, ThreadBroken
from application.record_outcomes import RecordOutcomes
from application.usable_credentials import GetUsableCredentials
from domain.errors import IntegrationDisconnected
from domain.integration import Integration, IntegrationStatus
from domain.outcomes import Failed, Outcome, Published, RateLimited, Transient
from domain.post_target import OUTCOME_UNKNOWN
from domain.workspace import WorkspaceMode

log = logging.getLogger("openpost.publisher")

DISCONNECTED = Failed(
    "integration_disconnected", "The integration was disconnected before publishing.", False
)
NEEDS_REFRESH = Failed(
    "integration_needs_refresh", "The platform refused the stored credentials; reconnect.", False
)
MEDIA_MISSING = Failed(
    "media_missing", "Media attached to the post no longer exists on this server.", False
)
Refused = AccessTokenExpired | CredentialsRejected


class PublishTarget:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        platforms: PlatformDirectory,
        credentials: GetUsableCredentials,
        media_store: MediaStore,
        jitter: Callable[[], float] = random.random,
        lease: timedelta = timedelta(minutes=2),
        cards: LinkCardSource | None = None,
        outcomes: OutcomeRecorder | None = None,
    ) -> None:
        """`outcomes`: where outcomes are recorded; by default one transaction each."""
        self.uow_factory, self.clock, self.platforms = uow_factory, clock, platforms
        self.credentials, self.media_store, self.jitter = credentials, media_store, jitter
        self.outcomes = outcomes or RecordOutcomes(uow_factory, clock)
        self.chain = PublishChain(self.outcomes, lease, cards)

    async def execute(self, claimed: ClaimedTarget) -> Outcome:
        """Publishes with `claimed.context` (read at the claim) or, without it, with a read
        of its own, then records the outcome."""
        outcome = await self.send(claimed)
        await self.record(claimed, outcome)
        return outcome

    async def record(self, claimed: ClaimedTarget, outcome: Outcome) -> None:
        """Records what `send` came to (see `OutcomeRecorder.record` on cancellation)."""
        await self.outcomes.record(claimed, outcome)

    async def send(self, claimed: ClaimedTarget) -> Outcome:
        """The publish without recording its outcome: `execute` is this, then `record`.
        A thread's parts are recorded as they go out, its final outcome is not."""
        context = claimed.context or await self._read(claimed)
        integration, mode = context.integration, context.mode
        if integration is None or mode is None or integration.is_disconnected:
            outcome: Outcome = DISCONNECTED
        elif integration.status is IntegrationStatus.NEEDS_REFRESH:
            outcome = NEEDS_REFRESH
        elif len(context.media) != len(claimed.sent_media_ids):
            outcome = MEDIA_MISSING
        else:
            media = outgoing_media(context.media, self.media_store)
            outcome = await self._attempt(claimed, integration, mode, context.credentials, media)
        return outcome

    async def _read(self, claimed: ClaimedTarget) -> PublishContext:
        async with self.uow_factory() as uow:
            [context] = await read_contexts(uow, [claimed])
        return context

    async def _attempt(
        self,
        claimed: ClaimedTarget,
        integration: Integration,
        mode: WorkspaceMode,
        known: StoredCredentials | None,
        media: list[OutgoingMedia],
    ) -> Outcome:
        try:
            gateway = self.platforms.gateway(integration.platform, mode)
            stored = await self.credentials.execute(integration, mode, known=known)
        except (PlatformUnavailable, PlatformNotConfigured) as error:
            message = f"{error} is not configured for posting on this server."
            return Failed("platform_not_configured", message, False)
        except Exception as error:
            return self._unsent(error)
        try:
            return await self._publish(gateway, stored, claimed, media)
        except (AccessTokenExpired, CredentialsRejected) as refused:
            renewed = await self._renew(integration, mode, stored, refused)
        except Exception as error:
            return self._sent(error)
        if not isinstance(renewed, StoredCredentials):
            return renewed
        return await self._send_again(gateway, integration, renewed, claimed, media)

    async def _renew(
        self,
        integration: Integration,
        mode: WorkspaceMode,
        stored: StoredCredentials,
        refused: Refused,
    ) -> StoredCredentials | Outcome:
        """Refused before anything was posted: newer stored credentials if some other
        process has them, a refresh for an expired token, needs_refresh otherwise."""
        try:
            if isinstance(refused, CredentialsRejected):
                newer = await self.credentials.rejected(integration.id, stored.version)
                return newer if newer is not None else NEEDS_REFRESH
            return await self.credentials.execute(integration, mode, refused_version=stored.version)
        except Exception as error:
            return self._unsent(error)

    async def _send_again(
        self,
        gateway: PlatformGateway,
        integration: Integration,
        stored: StoredCredentials,
        claimed: ClaimedTarget,
        media: list[OutgoingMedia],
    ) -> Outcome:
        try:
            return await self._publish(gateway, stored, claimed, media)
        except (AccessTokenExpired, CredentialsRejected):
            newer = await self.credentials.rejected(integration.id, stored.version)
            if newer is None:
                return NEEDS_REFRESH
            return Transient("The credentials changed while publishing.", self.jitter())
        except Exception as error:
            return self._sent(error)

    async def _publish(
        self,
        gateway: PlatformGateway,
        stored: StoredCredentials,
        claimed: ClaimedTarget,
        media: list[OutgoingMedia],
    ) -> Outcome:
        if claimed.is_chain and isinstance(gateway, ThreadGateway):
            return await self.chain.send(gateway, stored.credentials, claimed, media)
        try:
            return _published(await gateway.publish(stored.credentials, claimed.content, media))
        except ContentRejected as refused:
            first = claimed.attempts <= 1
            if refused.code != DUPLICATE or first or not isinstance(gateway, RecentPostFinder):
                raise
            try:
                found = await gateway.find_recent(stored.credentials, claimed.content)
            except PlatformError as error:
                return Transient(f"Could not look up an earlier attempt: {error}", self.jitter())
            if found is None:
                raise
            log.info("target %s: found the post an earlier attempt created", claimed.target_id)
            return _published(found)

    def _unsent(self, error: Exception) -> Outcome:
        """A failure before the post was sent: nothing can have been published."""
        if isinstance(error, CredentialsRejected):
            return NEEDS_REFRESH
        if isinstance(error, IntegrationDisconnected | NotFound):
            return DISCONNECTED
        if isinstance(error, PlatformRateLimited):
            return RateLimited(error.reset_at, sent=False)
        if not isinstance(error, PlatformError):
            log.exception("preparing a publish failed", exc_info=error)
        return Transient(f"Could not prepare the publish: {error}", self.jitter(), sent=False)

    def _sent(self, error: Exception) -> Outcome:
        """A failure of the publish call itself."""
        if isinstance(error, MediaUnreadable):
            if error.missing:
                return Failed(MEDIA_MISSING.code, MEDIA_MISSING.message)
            return Transient(f"Could not read the post's media: {error}", self.jitter())
        if isinstance(error, ThreadBroken):
            return self._broken(error)
        if isinstance(error, PlatformUnreachable):
            if error.sent:
                return Failed(OUTCOME_UNKNOWN, f"Sent, but no answer came back: {error}")
            return Transient(str(error), self.jitter())
        if isinstance(error, PlatformRateLimited):
            return RateLimited(error.reset_at, sent=error.sent)
        if isinstance(error, ContentRejected):
            return Failed(error.code, str(error))
        if isinstance(error, PlatformError):
            return Failed("platform_error", str(error) or type(error).__name__)
        log.exception("publish raised unexpectedly", exc_info=error)
        return Failed(OUTCOME_UNKNOWN, "The platform call failed in an unexpected way.")

    def _broken(self, broken: ThreadBroken) -> Outcome:
        """Some parts are out: a retry resumes after them, a lost answer is
        `outcome_unknown`, and a refusal for good leaves the thread incomplete."""
        cause = broken.cause
        if isinstance(cause, PlatformUnreachable | PlatformRateLimited):
            return self._sent(cause)
        part = broken.published + 1
        if isinstance(cause, PlatformError):
            message = f"Part {part} was refused ({cause}); {broken.published} went out."
            return Failed(THREAD_INCOMPLETE, message)
        log.exception("a thread part failed unexpectedly", exc_info=cause)
        return Failed(OUTCOME_UNKNOWN, f"Part {part} failed in an unexpected way.")


def _published(post: PublishedPost) -> Outcome:
    return Published(post.platform_post_id, post.url)
