"""Giving claims back (`ReleaseClaims`), on memory, SQLite and PostgreSQL: a target claimed
and never sent is pending again, due at once with its attempt uncounted, claimable again,
and its lease can no longer expire it into `outcome_unknown`; a claim whose lease has
already expired is left as it is."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from application.claim_due_targets import ClaimDueTargets
from application.expire_leases import ExpireLeases
from application.release_claims import ReleaseClaims
from domain.post import PostStatus
from domain.post_target import OUTCOME_UNKNOWN, TargetStatus
from tests.contract.conftest import START, Backend
from tests.contract.test_posts import LEASE, _add, _world, a_post


async def _due_posts(backend: Backend, count: int) -> list[UUID]:
    workspace, integrations = await _world(backend)
    posts = [
        a_post(workspace, integrations[:1], at=START + timedelta(minutes=10 + n), minutes=n)
        for n in range(count)
    ]
    await _add(backend, *posts)
    backend.clock.set(START + timedelta(hours=1))
    return [post.id for post in posts]


async def test_a_claim_given_back_is_due_again_with_its_attempt_uncounted(
    uow_factory: Backend,
) -> None:
    post_ids = await _due_posts(uow_factory, 3)
    clock = uow_factory.clock
    claim = ClaimDueTargets(uow_factory, clock, LEASE)
    claimed = await claim.execute(3)
    assert [c.post_id for c in claimed] == post_ids and {c.attempts for c in claimed} == {1}
    given_back_at = clock.advance(2)
    assert await ReleaseClaims(uow_factory, clock).execute(claimed[:2]) == 2
    async with uow_factory() as uow:
        posts = [await uow.posts.get_any(post_id) for post_id in post_ids]
    assert [p.status for p in posts if p is not None] == [
        PostStatus.SCHEDULED, PostStatus.SCHEDULED, PostStatus.PUBLISHING,
    ]  # fmt: skip
    released = [p.targets[0] for p in posts[:2] if p is not None]
    assert [(t.status, t.attempts, t.next_attempt_at, t.lease_expires_at) for t in released] == [
        (TargetStatus.PENDING, 0, given_back_at, None)
    ] * 2
    again = await claim.execute(3)
    assert {c.post_id for c in again} == set(post_ids[:2]) and {c.attempts for c in again} == {1}


async def test_a_claim_given_back_never_expires_into_outcome_unknown(uow_factory: Backend) -> None:
    [post_id] = await _due_posts(uow_factory, 1)
    clock = uow_factory.clock
    claimed = await ClaimDueTargets(uow_factory, clock, LEASE).execute(1)
    assert await ReleaseClaims(uow_factory, clock).execute(claimed) == 1
    clock.advance(LEASE * 2)
    assert await ExpireLeases(uow_factory, clock).execute() == 0
    async with uow_factory() as uow:
        post = await uow.posts.get_any(post_id)
    assert post is not None and post.targets[0].status is TargetStatus.PENDING


async def test_a_lease_already_expired_is_not_given_back(uow_factory: Backend) -> None:
    [post_id] = await _due_posts(uow_factory, 1)
    clock = uow_factory.clock
    claimed = await ClaimDueTargets(uow_factory, clock, LEASE).execute(1)
    clock.advance(LEASE)
    assert await ExpireLeases(uow_factory, clock).execute() == 1
    assert await ReleaseClaims(uow_factory, clock).execute(claimed) == 0
    async with uow_factory() as uow:
        post = await uow.posts.get_any(post_id)
    assert post is not None
    target = post.targets[0]
    assert target.status is TargetStatus.FAILED and target.error is not None
    assert target.error.code == OUTCOME_UNKNOWN and target.attempts == 1
