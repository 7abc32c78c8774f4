"""IdempotencyStore contract, on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

from application.ports.idempotency import IdempotencyRecord, StoredResponse
from tests.contract.builders import committed_workspace
from tests.contract.conftest import START, Backend, SqlBackend

DAY, ABANDONED = timedelta(hours=24), timedelta(minutes=5)
ANSWER = StoredResponse(201, (("content-type", "application/json"),), b'{"id": "p1"}\x00')


async def _take(backend: Backend, workspace: UUID, fingerprint: str = "fp", *, at=START, uow=None):
    async with uow or backend() as unit:
        found = await unit.idempotency.take(
            workspace, "key-1", fingerprint, at, at - DAY, at - ABANDONED
        )
        await unit.commit()
    return found


async def _complete(backend: Backend, workspace: UUID) -> None:
    async with backend() as uow:
        await uow.idempotency.complete(workspace, "key-1", ANSWER)
        await uow.commit()


async def test_the_first_take_owns_the_key_later_ones_see_it(uow_factory: Backend) -> None:
    workspace = (await committed_workspace(uow_factory())).id
    assert await _take(uow_factory, workspace) is None
    assert await _take(uow_factory, workspace, "other") == IdempotencyRecord("fp", START, None)
    await _complete(uow_factory, workspace)
    assert await _take(uow_factory, workspace) == IdempotencyRecord("fp", START, ANSWER)


async def test_keys_are_per_workspace(uow_factory: Backend) -> None:
    first = (await committed_workspace(uow_factory())).id
    second = (await committed_workspace(uow_factory())).id
    assert await _take(uow_factory, first) is None
    assert await _take(uow_factory, second) is None


async def test_release_forgets_the_key(uow_factory: Backend) -> None:
    workspace = (await committed_workspace(uow_factory())).id
    await _take(uow_factory, workspace)
    async with uow_factory() as uow:
        await uow.idempotency.release(workspace, "key-1")
        await uow.commit()
    assert await _take(uow_factory, workspace, "new") is None


async def test_old_and_abandoned_records_are_replaced(uow_factory: Backend) -> None:
    workspace = (await committed_workspace(uow_factory())).id
    await _take(uow_factory, workspace)
    later = START + ABANDONED
    assert (await _take(uow_factory, workspace, at=later)).in_flight
    later += timedelta(microseconds=1)
    assert await _take(uow_factory, workspace, "new", at=later) is None
    await _complete(uow_factory, workspace)
    assert (await _take(uow_factory, workspace, at=later + DAY)).response == ANSWER
    assert await _take(uow_factory, workspace, at=later + DAY + timedelta(seconds=1)) is None


async def test_purge_drops_records_created_before(uow_factory: Backend) -> None:
    workspace = (await committed_workspace(uow_factory())).id
    await _take(uow_factory, workspace)
    async with uow_factory() as uow:
        assert await uow.idempotency.purge(START) == 0
        assert await uow.idempotency.purge(START + timedelta(seconds=1)) == 1
        await uow.commit()


async def test_of_concurrent_takes_exactly_one_owns_the_key(sql_backend: SqlBackend) -> None:
    workspace = (await committed_workspace(sql_backend())).id

    async def take(n: int):
        uow = sql_backend() if n % 2 else sql_backend.from_another_process()
        return await _take(sql_backend, workspace, uow=uow)

    results = await asyncio.gather(*(take(n) for n in range(8)))
    assert sum(r is None for r in results) == 1


POST_ID = UUID("01900000-0000-7000-8000-000000000001")
OTHER_ID = UUID("01900000-0000-7000-8000-000000000002")


async def _attach(backend: Backend, workspace: UUID, resource: UUID, *, commit: bool = True):
    async with backend() as uow:
        earlier = await uow.idempotency.attach(workspace, "key-1", resource)
        if commit:
            await uow.commit()
    return earlier


async def test_a_key_remembers_what_its_request_created(uow_factory: Backend) -> None:
    workspace = (await committed_workspace(uow_factory())).id
    await _take(uow_factory, workspace)
    assert await _attach(uow_factory, workspace, POST_ID) is None
    assert await _take(uow_factory, workspace) == IdempotencyRecord("fp", START, None, POST_ID)
    await _complete(uow_factory, workspace)
    assert await _take(uow_factory, workspace) == IdempotencyRecord("fp", START, ANSWER, POST_ID)


async def test_a_key_that_created_something_is_never_taken_over_as_abandoned(
    uow_factory: Backend,
) -> None:
    workspace = (await committed_workspace(uow_factory())).id
    await _take(uow_factory, workspace)
    await _attach(uow_factory, workspace, POST_ID)
    later = START + ABANDONED + timedelta(minutes=1)
    found = await _take(uow_factory, workspace, "fp", at=later)
    assert found is not None and found.in_flight and found.resource_id == POST_ID
    # After the keeping period the key is free again, and forgets the resource.
    assert await _take(uow_factory, workspace, "new", at=START + DAY + timedelta(seconds=1)) is None
    found = await _take(uow_factory, workspace, "new", at=START + DAY + timedelta(seconds=2))
    assert found is not None and found.resource_id is None


async def test_a_note_rolled_back_with_its_resource_leaves_the_key_as_it_was(
    uow_factory: Backend,
) -> None:
    workspace = (await committed_workspace(uow_factory())).id
    await _take(uow_factory, workspace)
    assert await _attach(uow_factory, workspace, POST_ID, commit=False) is None
    assert await _take(uow_factory, workspace) == IdempotencyRecord("fp", START, None)


async def test_a_second_resource_for_one_key_is_refused(uow_factory: Backend) -> None:
    workspace = (await committed_workspace(uow_factory())).id
    await _take(uow_factory, workspace)
    assert await _attach(uow_factory, workspace, POST_ID) is None
    assert await _attach(uow_factory, workspace, POST_ID) is None  # the same one again
    assert await _attach(uow_factory, workspace, OTHER_ID) == POST_ID


async def test_a_key_without_a_record_notes_nothing(uow_factory: Backend) -> None:
    workspace = (await committed_workspace(uow_factory())).id
    assert await _attach(uow_factory, workspace, POST_ID) is None
    assert await _take(uow_factory, workspace) is None


async def test_many_answers_are_kept_in_one_step(uow_factory: Backend) -> None:
    first = (await committed_workspace(uow_factory())).id
    second = (await committed_workspace(uow_factory())).id
    keys = [(first, "a"), (second, "a"), (first, "b")]
    answers = [StoredResponse(201 + n, (("x-n", str(n)),), bytes([n, 0, 255])) for n in range(3)]
    async with uow_factory() as uow:
        for workspace, key in keys:
            await uow.idempotency.take(workspace, key, "fp", START, START - DAY, START - ABANDONED)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.idempotency.complete_many(
            [(w, k, a) for (w, k), a in zip(keys, answers, strict=True)][::-1]
        )
        await uow.idempotency.complete_many([])
        await uow.commit()
    async with uow_factory() as uow:
        for (workspace, key), answer in zip(keys, answers, strict=True):
            found = await uow.idempotency.take(
                workspace, key, "fp", START, START - DAY, START - ABANDONED
            )
            assert found == IdempotencyRecord("fp", START, answer)


async def test_new_keys_are_taken_in_one_step_and_known_ones_left(uow_factory: Backend) -> None:
    first = (await committed_workspace(uow_factory())).id
    second = (await committed_workspace(uow_factory())).id
    assert await _take(uow_factory, first) is None  # "key-1" is known in the first
    wanted = [
        (second, "key-1", "fp-a", START),
        (first, "key-1", "fp-b", START),
        (first, "new", "fp-c", START),
        (first, "new", "fp-d", START),  # the same key asked twice: only the first
    ]
    async with uow_factory() as uow:
        assert await uow.idempotency.take_new(wanted) == [True, False, True, False]
        assert await uow.idempotency.take_new([]) == []
        await uow.commit()
    assert await _take(uow_factory, second, "x") == IdempotencyRecord("fp-a", START, None)
    assert await _take(uow_factory, first, "x") == IdempotencyRecord("fp", START, None)
    async with uow_factory() as uow:
        found = await uow.idempotency.take(first, "new", "x", START, START - DAY, START - ABANDONED)
    assert found == IdempotencyRecord("fp-c", START, None)
