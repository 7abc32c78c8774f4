"""IntegrationRepository contract: workspace scoping, one account per workspace, listing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from application.errors import DuplicateIntegration
from domain.integration import (
    Integration,
    IntegrationStatus,
    IntegrationWarning,
    Profile,
    StatusReason,
)
from domain.platform import Platform
from tests.contract.builders import T0, an_integration, committed_workspace
from tests.contract.conftest import Backend

ALL = tuple(IntegrationStatus)
NOT_DISCONNECTED = (IntegrationStatus.ACTIVE, IntegrationStatus.NEEDS_REFRESH)


def _fields(integration: Integration) -> dict[str, object]:
    return {f.name: getattr(integration, f.name) for f in dataclasses.fields(integration)}


def _assert_utc(integration: Integration) -> None:
    for moment in (integration.connected_at, integration.updated_at):
        assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)


async def test_add_then_get_in_its_workspace_only(uow_factory: Backend) -> None:
    mine = await committed_workspace(uow_factory())
    other = await committed_workspace(uow_factory())
    integration = an_integration(mine.id, warnings=(IntegrationWarning.MAIN_PASSWORD_USED,))
    async with uow_factory() as uow:
        await uow.integrations.add(integration)
        await uow.commit()

    async with uow_factory() as uow:
        found = await uow.integrations.get(mine.id, integration.id)
        foreign = await uow.integrations.get(other.id, integration.id)
        unscoped = await uow.integrations.get_any(integration.id)
        missing = await uow.integrations.get(mine.id, uuid4())
        missing_any = await uow.integrations.get_any(uuid4())

    assert found is not None and _fields(found) == _fields(integration)
    _assert_utc(found)
    assert foreign is None
    assert unscoped == integration
    assert missing is None and missing_any is None


async def test_find_by_account_is_scoped_by_workspace_and_platform(uow_factory: Backend) -> None:
    mine = await committed_workspace(uow_factory())
    other = await committed_workspace(uow_factory())
    integration = an_integration(mine.id, platform=Platform.BLUESKY, platform_user_id="did:plc:x")
    async with uow_factory() as uow:
        await uow.integrations.add(integration)
        await uow.commit()

    async with uow_factory() as uow:
        repo = uow.integrations
        assert await repo.find_by_account(mine.id, Platform.BLUESKY, "did:plc:x") == integration
        assert await repo.find_by_account(other.id, Platform.BLUESKY, "did:plc:x") is None
        assert await repo.find_by_account(mine.id, Platform.TWITTER, "did:plc:x") is None
        assert await repo.find_by_account(mine.id, Platform.BLUESKY, "did:plc:y") is None


async def test_save_round_trips_every_field(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    integration = an_integration(workspace.id)
    async with uow_factory() as uow:
        await uow.integrations.add(integration)
        await uow.commit()

    later = T0 + timedelta(days=2, microseconds=987_654)
    integration.credentials_rejected(StatusReason.TOKEN_REVOKED, later)
    integration.username, integration.display_name = "renamed", "Ré Named ✨"
    integration.avatar_url = None
    integration.warnings = (IntegrationWarning.MAIN_PASSWORD_USED,)
    async with uow_factory() as uow:
        await uow.integrations.save(integration)
        await uow.commit()

    async with uow_factory() as uow:
        found = await uow.integrations.get(workspace.id, integration.id)

    assert found is not None and _fields(found) == _fields(integration)
    assert found.status is IntegrationStatus.NEEDS_REFRESH
    assert found.status_reason is StatusReason.TOKEN_REVOKED
    assert found.updated_at == later
    _assert_utc(found)


async def test_save_clears_reason_and_warnings_on_reconnect(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    integration = an_integration(
        workspace.id,
        status=IntegrationStatus.DISCONNECTED,
        status_reason=StatusReason.DISCONNECTED_BY_USER,
        warnings=(IntegrationWarning.MAIN_PASSWORD_USED,),
    )
    async with uow_factory() as uow:
        await uow.integrations.add(integration)
        await uow.commit()

    profile = Profile(integration.platform_user_id, "back", "Back Again", "https://a.test/b")
    integration.reconnect(profile, T0 + timedelta(hours=5, microseconds=1))
    async with uow_factory() as uow:
        await uow.integrations.save(integration)
        await uow.commit()

    async with uow_factory() as uow:
        found = await uow.integrations.get(workspace.id, integration.id)

    assert found is not None and _fields(found) == _fields(integration)
    assert found.status_reason is None and found.warnings == ()


async def test_datetimes_with_another_offset_keep_their_instant(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    paris = timezone(timedelta(hours=2))
    at = datetime(2026, 4, 16, 12, 22, 14, 500_001, tzinfo=paris)
    integration = an_integration(workspace.id, connected_at=at)
    async with uow_factory() as uow:
        await uow.integrations.add(integration)
        await uow.commit()

    async with uow_factory() as uow:
        found = await uow.integrations.get(workspace.id, integration.id)

    assert found is not None
    assert found.connected_at == at == datetime(2026, 4, 16, 10, 22, 14, 500_001, tzinfo=UTC)


async def test_a_duplicate_account_is_refused_and_the_unit_goes_on(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    original = an_integration(workspace.id, platform_user_id="2244994945")
    async with uow_factory() as uow:
        await uow.integrations.add(original)
        await uow.commit()

    duplicate = an_integration(workspace.id, platform_user_id="2244994945")
    unrelated = an_integration(workspace.id, platform_user_id="42")
    async with uow_factory() as uow:
        await uow.integrations.add(unrelated)
        with pytest.raises(DuplicateIntegration):
            await uow.integrations.add(duplicate)
        assert await uow.integrations.get_any(duplicate.id) is None
        assert await uow.integrations.get(workspace.id, unrelated.id) == unrelated
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.integrations.get_any(duplicate.id) is None
        assert await uow.integrations.get_any(original.id) == original
        assert await uow.integrations.get_any(unrelated.id) == unrelated
        listed = await uow.integrations.list(workspace.id, ALL, 10)
    assert {i.id for i in listed} == {original.id, unrelated.id}


async def test_a_duplicate_from_a_racing_connect_is_refused(uow_factory: Backend) -> None:
    """Both connects saw no integration for the account; only the first insert lands."""
    workspace = await committed_workspace(uow_factory())
    first = an_integration(workspace.id, platform_user_id="did:plc:race")
    second = an_integration(workspace.id, platform_user_id="did:plc:race")
    async with uow_factory() as uow:
        await uow.integrations.add(first)
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(DuplicateIntegration):
            await uow.integrations.add(second)

    async with uow_factory() as uow:
        assert await uow.integrations.list(workspace.id, ALL, 10) == [first]


async def test_the_same_account_may_live_in_two_workspaces(uow_factory: Backend) -> None:
    one = await committed_workspace(uow_factory())
    two = await committed_workspace(uow_factory())
    a = an_integration(one.id, platform_user_id="2244994945")
    b = an_integration(two.id, platform_user_id="2244994945")
    same_user_elsewhere = an_integration(
        one.id, platform=Platform.BLUESKY, platform_user_id="2244994945"
    )
    async with uow_factory() as uow:
        for integration in (a, b, same_user_elsewhere):
            await uow.integrations.add(integration)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.integrations.find_by_account(one.id, Platform.TWITTER, "2244994945") == a
        assert await uow.integrations.find_by_account(two.id, Platform.TWITTER, "2244994945") == b
        assert await uow.integrations.get(two.id, a.id) is None


async def _seed_listing(backend: Backend, workspace_id: UUID) -> list[Integration]:
    """Seven integrations in the expected list order: three share one `connected_at`."""
    tie = T0 + timedelta(hours=1)
    integrations = [
        an_integration(workspace_id, connected_at=T0 + timedelta(hours=2)),
        *sorted(
            (an_integration(workspace_id, connected_at=tie) for _ in range(3)),
            key=lambda i: i.id,
            reverse=True,
        ),
        an_integration(workspace_id, connected_at=T0 + timedelta(microseconds=1)),
        an_integration(
            workspace_id,
            connected_at=T0,
            status=IntegrationStatus.NEEDS_REFRESH,
            status_reason=StatusReason.TOKEN_EXPIRED,
        ),
        an_integration(
            workspace_id,
            connected_at=T0 - timedelta(days=1),
            status=IntegrationStatus.DISCONNECTED,
            status_reason=StatusReason.DISCONNECTED_BY_USER,
        ),
    ]
    async with backend() as uow:
        for integration in reversed(integrations[1:4]):
            await uow.integrations.add(integration)
        for integration in (integrations[0], *integrations[4:]):
            await uow.integrations.add(integration)
        await uow.commit()
    return integrations


async def test_list_is_newest_connected_first_with_ties_by_id(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    other = await committed_workspace(uow_factory())
    expected = await _seed_listing(uow_factory, workspace.id)
    await _seed_listing(uow_factory, other.id)

    async with uow_factory() as uow:
        listed = await uow.integrations.list(workspace.id, ALL, 100)

    assert [i.id for i in listed] == [i.id for i in expected]
    assert [_fields(i) for i in listed] == [_fields(i) for i in expected]


async def test_list_filters_on_statuses(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    everything = await _seed_listing(uow_factory, workspace.id)

    async with uow_factory() as uow:
        repo = uow.integrations
        visible = await repo.list(workspace.id, NOT_DISCONNECTED, 100)
        stale = await repo.list(workspace.id, [IntegrationStatus.NEEDS_REFRESH], 100)
        gone = await repo.list(workspace.id, {IntegrationStatus.DISCONNECTED}, 100)
        nothing = await repo.list(workspace.id, (), 100)

    assert visible == [i for i in everything if i.status in NOT_DISCONNECTED]
    assert stale == [everything[5]]
    assert gone == [everything[6]]
    assert nothing == []


async def test_list_stops_at_the_limit(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    everything = await _seed_listing(uow_factory, workspace.id)

    async with uow_factory() as uow:
        assert await uow.integrations.list(workspace.id, ALL, 1) == everything[:1]
        assert await uow.integrations.list(workspace.id, ALL, 3) == everything[:3]
        assert await uow.integrations.list(workspace.id, ALL, 7) == everything


@pytest.mark.parametrize("page_size", [1, 2, 3])
async def test_pages_after_a_cursor_cover_the_list_once(
    uow_factory: Backend, page_size: int
) -> None:
    workspace = await committed_workspace(uow_factory())
    everything = await _seed_listing(uow_factory, workspace.id)

    seen: list[Integration] = []
    cursor: Integration | None = None
    async with uow_factory() as uow:
        while True:
            page = await uow.integrations.list(workspace.id, ALL, page_size, cursor)
            assert len(page) <= page_size
            if not page:
                break
            seen += page
            cursor = page[-1]

    assert seen == everything


async def test_a_cursor_inside_a_tie_continues_by_id(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    everything = await _seed_listing(uow_factory, workspace.id)

    async with uow_factory() as uow:
        after_middle_tie = await uow.integrations.list(workspace.id, ALL, 100, everything[2])
        after_last = await uow.integrations.list(workspace.id, ALL, 100, everything[-1])
        filtered = await uow.integrations.list(workspace.id, NOT_DISCONNECTED, 2, everything[3])

    assert after_middle_tie == everything[3:]
    assert after_last == []
    assert filtered == everything[4:6]


async def test_get_many_is_unscoped_and_skips_unknown_ids(uow_factory: Backend) -> None:
    mine = await committed_workspace(uow_factory())
    other = await committed_workspace(uow_factory())
    ours = an_integration(mine.id)
    theirs = an_integration(other.id, status=IntegrationStatus.DISCONNECTED)
    async with uow_factory() as uow:
        await uow.integrations.add(ours)
        await uow.integrations.add(theirs)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.integrations.get_many([ours.id, theirs.id, uuid4()])
        assert await uow.integrations.get_many([]) == {}
    assert found == {ours.id: ours, theirs.id: theirs}
    _assert_utc(found[ours.id])
