"""CredentialRepository contract: encrypted at rest, versioned compare-and-swap."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from application.ports.credentials import Credentials, StoredCredentials
from application.ports.unit_of_work import UnitOfWork
from tests.contract.builders import committed_integration, committed_workspace, some_credentials
from tests.contract.conftest import Backend, SqlBackend
from tests.contract.races import second_waits_for_first


async def _integration(backend: Backend) -> UUID:
    workspace = await committed_workspace(backend())
    return (await committed_integration(backend(), workspace.id)).id


async def test_nothing_is_stored_for_a_new_integration(uow_factory: Backend) -> None:
    integration_id = await _integration(uow_factory)
    async with uow_factory() as uow:
        assert await uow.credentials.get(integration_id) is None
        assert await uow.credentials.get(uuid4()) is None


async def test_put_then_get_round_trips_every_field(uow_factory: Backend) -> None:
    integration_id = await _integration(uow_factory)
    credentials = some_credentials()
    async with uow_factory() as uow:
        version = await uow.credentials.put(integration_id, credentials)
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.credentials.get(integration_id)

    assert version == 1
    assert stored is not None and stored.version == 1
    got = stored.credentials
    assert got == credentials
    assert dict(got.extra) == {"did": "did:plc:abc123", "pds": "https://pds.example.test"}
    assert got.scopes == ("tweet.read", "tweet.write", "users.read", "offline.access")
    assert got.expires_at == credentials.expires_at
    assert got.expires_at is not None and got.expires_at.utcoffset() == timedelta(0)
    assert got.refresh_expires_at == credentials.refresh_expires_at


async def test_minimal_credentials_round_trip(uow_factory: Backend) -> None:
    integration_id = await _integration(uow_factory)
    credentials = Credentials(access_token="only-this")
    async with uow_factory() as uow:
        await uow.credentials.put(integration_id, credentials)
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.credentials.get(integration_id)

    assert stored is not None and stored.credentials == credentials


async def test_put_again_overwrites_and_bumps_the_version(uow_factory: Backend) -> None:
    integration_id = await _integration(uow_factory)
    async with uow_factory() as uow:
        assert await uow.credentials.put(integration_id, some_credentials("one")) == 1
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.credentials.put(integration_id, some_credentials("two")) == 2
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.credentials.get(integration_id)

    assert stored is not None
    assert (stored.credentials, stored.version) == (some_credentials("two"), 2)


async def test_replace_with_the_current_version_wins(uow_factory: Backend) -> None:
    integration_id = await _integration(uow_factory)
    async with uow_factory() as uow:
        version = await uow.credentials.put(integration_id, some_credentials("one"))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.credentials.replace(integration_id, some_credentials("two"), version)
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.credentials.get(integration_id)
    assert stored is not None
    assert (stored.credentials, stored.version) == (some_credentials("two"), version + 1)


@pytest.mark.parametrize("stale", [0, 2, 7])
async def test_replace_with_another_version_writes_nothing(
    uow_factory: Backend, stale: int
) -> None:
    integration_id = await _integration(uow_factory)
    async with uow_factory() as uow:
        await uow.credentials.put(integration_id, some_credentials("one"))
        await uow.commit()

    async with uow_factory() as uow:
        won = await uow.credentials.replace(integration_id, some_credentials("two"), stale)
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.credentials.get(integration_id)
    assert won is False
    assert stored is not None
    assert (stored.credentials, stored.version) == (some_credentials("one"), 1)


async def test_two_refreshers_from_one_version_only_one_wins(uow_factory: Backend) -> None:
    integration_id = await _integration(uow_factory)
    async with uow_factory() as uow:
        version = await uow.credentials.put(integration_id, some_credentials("one"))
        await uow.commit()

    async with uow_factory() as uow:
        first = await uow.credentials.replace(integration_id, some_credentials("two"), version)
        await uow.commit()
    async with uow_factory() as uow:
        second = await uow.credentials.replace(integration_id, some_credentials("three"), version)
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.credentials.get(integration_id)
    assert (first, second) == (True, False)
    assert stored is not None and stored.credentials == some_credentials("two")


async def test_replace_of_nothing_stored_is_refused(uow_factory: Backend) -> None:
    integration_id = await _integration(uow_factory)
    async with uow_factory() as uow:
        assert not await uow.credentials.replace(integration_id, some_credentials(), 0)
        assert not await uow.credentials.replace(integration_id, some_credentials(), 1)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.credentials.get(integration_id) is None


async def test_erase_forgets_and_a_new_put_starts_over(uow_factory: Backend) -> None:
    integration_id = await _integration(uow_factory)
    async with uow_factory() as uow:
        await uow.credentials.put(integration_id, some_credentials("one"))
        await uow.credentials.put(integration_id, some_credentials("two"))
        await uow.commit()

    async with uow_factory() as uow:
        await uow.credentials.erase(integration_id)
        await uow.credentials.erase(integration_id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.credentials.get(integration_id) is None
        assert not await uow.credentials.replace(integration_id, some_credentials(), 2)
        assert await uow.credentials.put(integration_id, some_credentials("three")) == 1
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.credentials.get(integration_id)
    assert stored is not None and stored.credentials == some_credentials("three")


async def test_erasing_what_was_never_stored_is_fine(uow_factory: Backend) -> None:
    integration_id = await _integration(uow_factory)
    async with uow_factory() as uow:
        await uow.credentials.erase(integration_id)
        await uow.commit()


async def test_the_stored_bytes_hold_no_secret(sql_backend: SqlBackend) -> None:
    integration_id = await _integration(sql_backend)
    credentials = some_credentials("plain")
    async with sql_backend() as uow:
        await uow.credentials.put(integration_id, credentials)
        await uow.commit()

    raw = await sql_backend.raw_ciphertext(integration_id)

    assert raw is not None
    for secret in (
        "SECRETVALUE",
        credentials.access_token,
        credentials.refresh_token,
        credentials.password,
        "did:plc:abc123",
        "tweet.write",
        "access_token",
    ):
        assert secret is not None
        assert secret.encode() not in raw
        assert secret.encode("utf-16-le") not in raw
    assert sql_backend.cipher.decrypt(raw)  # and it is our ciphertext, not noise


async def test_the_ciphertext_changes_on_each_write(sql_backend: SqlBackend) -> None:
    integration_id = await _integration(sql_backend)
    async with sql_backend() as uow:
        version = await uow.credentials.put(integration_id, some_credentials())
        await uow.commit()
    first = await sql_backend.raw_ciphertext(integration_id)
    async with sql_backend() as uow:
        assert await uow.credentials.replace(integration_id, some_credentials(), version)
        await uow.commit()

    assert await sql_backend.raw_ciphertext(integration_id) != first


async def test_get_for_update_reads_like_get(uow_factory: Backend) -> None:
    integration_id = await _integration(uow_factory)
    async with uow_factory() as uow:
        assert await uow.credentials.get_for_update(integration_id) is None
        await uow.credentials.put(integration_id, some_credentials())
        await uow.commit()

    async with uow_factory() as uow:
        locked = await uow.credentials.get_for_update(integration_id)
        plain = await uow.credentials.get(integration_id)
    assert locked == plain
    assert locked is not None and locked.credentials == some_credentials()


async def test_a_second_refresher_waits_and_sees_the_new_version(uow_factory: Backend) -> None:
    """One refresher at a time, in any process: the second reads only after the first
    committed, so it never spends a refresh token that was already used."""
    integration_id = await _integration(uow_factory)
    async with uow_factory() as uow:
        await uow.credentials.put(integration_id, some_credentials("one"))
        await uow.commit()

    async def lock(uow: UnitOfWork) -> object:
        return await uow.credentials.get_for_update(integration_id)

    async def refresh(uow: UnitOfWork) -> object:
        return await uow.credentials.replace(integration_id, some_credentials("two"), 1)

    async def read(uow: UnitOfWork) -> StoredCredentials | None:
        return await uow.credentials.get(integration_id)

    seen = await second_waits_for_first(uow_factory, lock, refresh, read)

    assert seen is not None
    assert (seen.credentials, seen.version) == (some_credentials("two"), 2)


async def test_racing_puts_both_land_with_their_own_versions(uow_factory: Backend) -> None:
    """Two connects of one account store credentials at once: neither fails, and the
    versions stay distinct so a later compare-and-swap cannot be fooled."""
    integration_id = await _integration(uow_factory)
    started = asyncio.Barrier(2) if uow_factory.overlapping_units else None

    async def put(uow: UnitOfWork, tag: str) -> int:
        async with uow:
            if started is not None:
                await started.wait()
            version = await uow.credentials.put(integration_id, some_credentials(tag))
            await asyncio.sleep(0.05)
            await uow.commit()
        return version

    versions = await asyncio.wait_for(
        asyncio.gather(put(uow_factory(), "a"), put(uow_factory.from_another_process(), "b")),
        30,
    )

    async with uow_factory() as uow:
        stored = await uow.credentials.get(integration_id)
    assert sorted(versions) == [1, 2]
    assert stored is not None and stored.version == 2
    last = "a" if versions[0] == 2 else "b"
    assert stored.credentials == some_credentials(last)


async def test_racing_puts_over_existing_credentials_keep_versions_distinct(
    uow_factory: Backend,
) -> None:
    integration_id = await _integration(uow_factory)
    async with uow_factory() as uow:
        await uow.credentials.put(integration_id, some_credentials("old"))
        await uow.commit()
    started = asyncio.Barrier(2) if uow_factory.overlapping_units else None

    async def put(uow: UnitOfWork, tag: str) -> int:
        async with uow:
            if started is not None:
                await started.wait()
            version = await uow.credentials.put(integration_id, some_credentials(tag))
            await asyncio.sleep(0.05)
            await uow.commit()
        return version

    versions = await asyncio.wait_for(
        asyncio.gather(put(uow_factory(), "a"), put(uow_factory.from_another_process(), "b")),
        30,
    )

    async with uow_factory() as uow:
        stored = await uow.credentials.get(integration_id)
    assert sorted(versions) == [2, 3]
    assert stored is not None and stored.version == 3


async def test_get_many_reads_what_get_reads_for_each(uow_factory: Backend) -> None:
    first, second, bare = [await _integration(uow_factory) for _ in range(3)]
    async with uow_factory() as uow:
        await uow.credentials.put(first, some_credentials("a"))
        await uow.credentials.put(second, some_credentials("b"))
        await uow.credentials.put(second, some_credentials("c"))
        await uow.commit()
    async with uow_factory() as uow:
        many = await uow.credentials.get_many([first, second, bare, uuid4()])
        one_by_one = {i: await uow.credentials.get(i) for i in (first, second)}
        assert await uow.credentials.get_many([]) == {}
    assert many == one_by_one
    assert many[second] == StoredCredentials(some_credentials("c"), 2)
