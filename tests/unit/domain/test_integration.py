"""The integration's status table (contract, section 2), and `updated_at` moving only when
something a client can see changes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain.errors import IllegalTransition, IntegrationDisconnected
from domain.integration import (
    TRANSITIONS,
    Event,
    Integration,
    IntegrationStatus,
    IntegrationWarning,
    Profile,
    StatusReason,
)
from domain.platform import Platform

ACTIVE = IntegrationStatus.ACTIVE
NEEDS_REFRESH = IntegrationStatus.NEEDS_REFRESH
DISCONNECTED = IntegrationStatus.DISCONNECTED
EXPIRED = StatusReason.TOKEN_EXPIRED
REVOKED = StatusReason.TOKEN_REVOKED
BY_USER = StatusReason.DISCONNECTED_BY_USER

T0 = datetime(2026, 4, 16, 10, 22, 14, tzinfo=UTC)
LATER = T0 + timedelta(hours=1)
MUCH_LATER = T0 + timedelta(days=1)
PROFILE = Profile("2244994945", "openpost", "OpenPost", "https://img.example/a.png")

# What the API returns about an integration, `updated_at` aside.
VISIBLE = (
    "id",
    "platform",
    "username",
    "display_name",
    "status",
    "status_reason",
    "avatar_url",
    "platform_user_id",
    "connected_at",
    "warnings",
)


def visible(integration: Integration) -> dict[str, Any]:
    return {name: getattr(integration, name) for name in VISIBLE}


def connected(now: datetime = T0) -> Integration:
    return Integration.connect(
        id=UUID(int=1),
        workspace_id=UUID(int=2),
        platform=Platform.TWITTER,
        profile=PROFILE,
        now=now,
    )


def needing_refresh(reason: StatusReason = EXPIRED) -> Integration:
    integration = connected()
    integration.credentials_rejected(reason, T0)
    return integration


def disconnected() -> Integration:
    integration = connected()
    integration.disconnect(T0)
    return integration


# The table, row by row ---------------------------------------------------------------------


def test_a_new_connection_is_active() -> None:
    integration = connected()
    assert (integration.status, integration.status_reason) == (ACTIVE, None)
    assert integration.connected_at == integration.updated_at == T0
    assert integration.username == "openpost"
    assert integration.warnings == ()


@pytest.mark.parametrize("reason", [EXPIRED, REVOKED])
def test_rejected_credentials_make_an_active_integration_need_a_refresh(
    reason: StatusReason,
) -> None:
    integration = connected()
    integration.credentials_rejected(reason, LATER)
    assert (integration.status, integration.status_reason) == (NEEDS_REFRESH, reason)
    assert integration.updated_at == LATER


@pytest.mark.parametrize("make", [connected, needing_refresh, disconnected])
def test_connecting_the_same_account_again_makes_it_active_with_the_same_id(make: Any) -> None:
    integration: Integration = make()
    integration.reconnect(replace(PROFILE, display_name="OpenPost HQ"), LATER)
    assert integration.id == UUID(int=1)
    assert (integration.status, integration.status_reason) == (ACTIVE, None)
    assert integration.display_name == "OpenPost HQ"
    assert integration.connected_at == integration.updated_at == LATER


@pytest.mark.parametrize("first", [EXPIRED, REVOKED])
@pytest.mark.parametrize("second", [EXPIRED, REVOKED])
def test_rejected_again_while_needing_a_refresh_changes_nothing(
    first: StatusReason, second: StatusReason
) -> None:
    integration = needing_refresh(first)
    integration.credentials_rejected(second, LATER)
    assert (integration.status, integration.status_reason) == (NEEDS_REFRESH, first)
    assert integration.updated_at == T0


@pytest.mark.parametrize("make", [connected, needing_refresh])
def test_delete_disconnects(make: Any) -> None:
    integration: Integration = make()
    integration.disconnect(LATER)
    assert (integration.status, integration.status_reason) == (DISCONNECTED, BY_USER)
    assert integration.updated_at == LATER


def test_delete_twice_is_a_no_op() -> None:
    integration = disconnected()
    integration.disconnect(LATER)
    assert (integration.status, integration.status_reason) == (DISCONNECTED, BY_USER)
    assert integration.updated_at == T0


@pytest.mark.parametrize("reason", [EXPIRED, REVOKED])
def test_rejected_credentials_leave_a_disconnected_integration_alone(
    reason: StatusReason,
) -> None:
    integration = disconnected()
    integration.credentials_rejected(reason, LATER)
    assert (integration.status, integration.status_reason) == (DISCONNECTED, BY_USER)
    assert integration.updated_at == T0


def test_the_table_decides_every_status_and_event() -> None:
    assert set(TRANSITIONS) == {(s, e) for s in IntegrationStatus for e in Event}


def test_a_move_the_table_does_not_list_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(TRANSITIONS, (DISCONNECTED, Event.CREDENTIALS_REJECTED))
    integration = disconnected()
    with pytest.raises(IllegalTransition):
        integration.credentials_rejected(REVOKED, LATER)
    assert integration.status is DISCONNECTED


# Guards ------------------------------------------------------------------------------------


def test_only_credential_reasons_describe_a_rejection() -> None:
    with pytest.raises(ValueError):
        connected().credentials_rejected(BY_USER, LATER)


def test_reconnect_is_for_the_same_platform_account() -> None:
    with pytest.raises(ValueError):
        connected().reconnect(replace(PROFILE, platform_user_id="someone-else"), LATER)


def test_only_a_disconnected_integration_is_unusable() -> None:
    connected().ensure_usable()
    needing_refresh().ensure_usable()
    with pytest.raises(IntegrationDisconnected):
        disconnected().ensure_usable()


# updated_at --------------------------------------------------------------------------------


def test_reconnecting_later_moves_connected_at_and_so_updated_at() -> None:
    integration = connected()
    integration.reconnect(PROFILE, LATER)
    assert integration.connected_at == integration.updated_at == LATER


def test_reconnecting_at_the_same_instant_with_the_same_profile_changes_nothing() -> None:
    integration = connected()
    integration.reconnect(PROFILE, T0)
    assert integration.updated_at == T0


# The state machine --------------------------------------------------------------------------

usernames = st.sampled_from(["openpost", "openpost_hq"])
display_names = st.sampled_from(["OpenPost", "OpenPost HQ"])
avatars = st.sampled_from([None, "https://img.example/a.png", "https://img.example/b.png"])
warning_sets = st.sampled_from([(), (IntegrationWarning.MAIN_PASSWORD_USED,)])


@dataclass
class Model:
    """What a client should see, kept by the rules of the table alone."""

    status: IntegrationStatus
    status_reason: StatusReason | None
    username: str
    display_name: str
    avatar_url: str | None
    warnings: tuple[IntegrationWarning, ...]
    connected_at: datetime
    updated_at: datetime

    def seen(self) -> tuple[object, ...]:
        return (
            self.status,
            self.status_reason,
            self.username,
            self.display_name,
            self.avatar_url,
            self.warnings,
            self.connected_at,
        )


class IntegrationLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.integration = connected(T0)
        self.model = Model(ACTIVE, None, "openpost", "OpenPost", PROFILE.avatar_url, (), T0, T0)
        self.last_updated_at = T0

    def _expect(self, **changes: Any) -> None:
        """Apply the expected changes to the model; updated_at moves iff what is seen moves."""
        before = self.model.seen()
        for name, value in changes.items():
            setattr(self.model, name, value)
        if self.model.seen() != before:
            self.model.updated_at = self.now

    @rule(seconds=st.sampled_from([0, 1, 59, 3600, 86400]))
    def time_passes(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)

    @rule(username=usernames, display_name=display_names, avatar=avatars, warnings=warning_sets)
    def connect_again(
        self,
        username: str,
        display_name: str,
        avatar: str | None,
        warnings: tuple[IntegrationWarning, ...],
    ) -> None:
        profile = Profile(PROFILE.platform_user_id, username, display_name, avatar)
        self.integration.reconnect(profile, self.now, warnings)
        self._expect(
            status=ACTIVE,
            status_reason=None,
            username=username,
            display_name=display_name,
            avatar_url=avatar,
            warnings=warnings,
            connected_at=self.now,
        )

    @rule(reason=st.sampled_from([EXPIRED, REVOKED]))
    def credentials_rejected(self, reason: StatusReason) -> None:
        self.integration.credentials_rejected(reason, self.now)
        if self.model.status is ACTIVE:
            self._expect(status=NEEDS_REFRESH, status_reason=reason)

    @rule()
    def disconnect(self) -> None:
        self.integration.disconnect(self.now)
        if self.model.status is not DISCONNECTED:
            self._expect(status=DISCONNECTED, status_reason=BY_USER)

    @precondition(lambda self: self.model.status is DISCONNECTED)
    @rule()
    def a_disconnected_integration_is_unusable(self) -> None:
        with pytest.raises(IntegrationDisconnected):
            self.integration.ensure_usable()

    @invariant()
    def the_integration_matches_the_model(self) -> None:
        seen = visible(self.integration)
        assert seen["id"] == UUID(int=1)
        assert seen["platform_user_id"] == PROFILE.platform_user_id
        assert (seen["status"], seen["status_reason"]) == (
            self.model.status,
            self.model.status_reason,
        )
        assert seen["username"] == self.model.username
        assert seen["display_name"] == self.model.display_name
        assert seen["avatar_url"] == self.model.avatar_url
        assert seen["warnings"] == self.model.warnings
        assert seen["connected_at"] == self.model.connected_at
        assert self.integration.updated_at == self.model.updated_at

    @invariant()
    def updated_at_never_goes_back(self) -> None:
        assert self.last_updated_at <= self.integration.updated_at <= self.now
        assert self.integration.connected_at <= self.integration.updated_at
        self.last_updated_at = self.integration.updated_at

    @invariant()
    def the_reason_goes_with_the_status(self) -> None:
        reasons: dict[IntegrationStatus, set[StatusReason | None]] = {
            ACTIVE: {None},
            NEEDS_REFRESH: {EXPIRED, REVOKED},
            DISCONNECTED: {BY_USER},
        }
        assert self.integration.status_reason in reasons[self.integration.status]


TestIntegrationLifecycle = IntegrationLifecycle.TestCase
