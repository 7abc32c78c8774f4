"""Guessing a Bluesky password through us is cut short: 5 failures for one account, or 20
across a workspace, within 15 minutes, and further logins are refused without reaching
Bluesky until the window has passed."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from adapters.platforms.simulated import SIMULATED_APP_PASSWORD
from application.errors import TooManyAttempts
from application.ports.bluesky import InvalidCredentials
from application.workspaces import CreatedWorkspace
from domain.workspace import WorkspaceMode
from tests.unit.application.test_connect_bluesky import World

WRONG = "wrong-wrong-wrong-wrong"


@pytest.fixture
def world() -> World:
    return World()


def calls(world: World) -> int:
    """Logins that reached the platform."""
    return len(world.simulated.locked_during_login)


async def fail(world: World, ws: CreatedWorkspace, identifier: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(InvalidCredentials):
            await world.connect(ws, identifier, WRONG)


async def test_five_failures_for_an_account_refuse_it_without_asking_bluesky(
    world: World,
) -> None:
    ws = await world.workspace(WorkspaceMode.TEST)
    await fail(world, ws, "victim.bsky.social", 5)
    assert calls(world) == 5

    with pytest.raises(TooManyAttempts) as refused:
        await world.connect(ws, "victim.bsky.social", SIMULATED_APP_PASSWORD)
    assert refused.value.retry_after_s == 900
    with pytest.raises(TooManyAttempts):
        await world.connect(ws, "@Victim.bsky.social ", WRONG)  # the same account
    assert calls(world) == 5

    other = await world.connect(ws, "someone-else.bsky.social", SIMULATED_APP_PASSWORD)
    assert not other.reactivated


async def test_the_window_slides_from_each_failure(world: World) -> None:
    ws = await world.workspace(WorkspaceMode.TEST)
    await fail(world, ws, "victim.bsky.social", 1)
    world.clock.advance(timedelta(minutes=10))
    await fail(world, ws, "victim.bsky.social", 4)

    world.clock.advance(timedelta(minutes=4, seconds=59))
    with pytest.raises(TooManyAttempts) as refused:
        await world.connect(ws, "victim.bsky.social", SIMULATED_APP_PASSWORD)
    assert refused.value.retry_after_s == 1

    world.clock.advance(timedelta(seconds=1))  # the first failure is 15 minutes old
    connected = await world.connect(ws, "victim.bsky.social", SIMULATED_APP_PASSWORD)
    assert connected.integration.username == "victim.bsky.social"


async def test_a_success_clears_the_accounts_failures(world: World) -> None:
    ws = await world.workspace(WorkspaceMode.TEST)
    await fail(world, ws, "me.bsky.social", 4)
    await world.connect(ws, "me.bsky.social", SIMULATED_APP_PASSWORD)
    await fail(world, ws, "me.bsky.social", 4)
    await world.connect(ws, "me.bsky.social", SIMULATED_APP_PASSWORD)


async def test_twenty_failures_across_a_workspace_refuse_every_login_there(
    world: World,
) -> None:
    ws = await world.workspace(WorkspaceMode.TEST)
    for n in range(5):
        await fail(world, ws, f"account-{n}.bsky.social", 4)
    assert calls(world) == 20

    with pytest.raises(TooManyAttempts):
        await world.connect(ws, "never-tried.bsky.social", SIMULATED_APP_PASSWORD)
    assert calls(world) == 20

    elsewhere = await world.workspace(WorkspaceMode.TEST)
    assert not (
        await world.connect(elsewhere, "victim.bsky.social", SIMULATED_APP_PASSWORD)
    ).reactivated


async def test_each_failure_is_a_warning_without_the_password(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    ws = await world.workspace(WorkspaceMode.TEST)
    with caplog.at_level(logging.WARNING, logger="application.connect_bluesky"):
        await fail(world, ws, "Victim.bsky.social", 2)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    for record in warnings:
        line = record.getMessage()
        assert "victim.bsky.social" in line and str(ws.workspace.id) in line
        assert WRONG not in line and WRONG not in str(record.__dict__)
