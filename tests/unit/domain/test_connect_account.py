"""Connect or reactivate: an account connected again in its workspace keeps its
integration (same id) whatever its status, comes back active with the fresh profile;
an account never connected there gets a new integration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.integration import (
    Integration,
    IntegrationStatus,
    IntegrationWarning,
    Profile,
    StatusReason,
    connect_account,
)
from domain.platform import Platform

T0 = datetime(2026, 4, 16, 10, 22, 14, tzinfo=UTC)
WORKSPACE = UUID(int=2)
NEW_ID = UUID(int=99)

profiles = st.builds(
    Profile,
    platform_user_id=st.just("2244994945"),
    username=st.text(min_size=1, max_size=15),
    display_name=st.none() | st.text(max_size=20),
    avatar_url=st.none() | st.just("https://img.example/a.png"),
)
histories = st.lists(st.sampled_from(["rejected", "revoked", "disconnect", "reconnect"]))
warnings = st.sampled_from([(), (IntegrationWarning.MEDIA_SCOPE_MISSING,)])


def existing_after(history: list[str], platform: Platform, profile: Profile) -> Integration:
    """An integration of the account, moved through `history` (illegal moves skipped)."""
    integration = Integration.connect(
        id=UUID(int=1), workspace_id=WORKSPACE, platform=platform, profile=profile, now=T0
    )
    for n, step in enumerate(history):
        at = T0 + timedelta(minutes=n + 1)
        try:
            if step == "rejected":
                integration.credentials_rejected(StatusReason.TOKEN_EXPIRED, at)
            elif step == "revoked":
                integration.credentials_rejected(StatusReason.TOKEN_REVOKED, at)
            elif step == "disconnect":
                integration.disconnect(at)
            else:
                integration.reconnect(profile, at)
        except Exception:
            continue
    return integration


@given(
    st.none() | histories,
    st.sampled_from(list(Platform)),
    profiles,
    profiles,
    warnings,
)
def test_connecting_reactivates_the_accounts_integration_or_makes_one(
    history: list[str] | None,
    platform: Platform,
    before: Profile,
    fresh: Profile,
    given_warnings: tuple[IntegrationWarning, ...],
) -> None:
    existing = None if history is None else existing_after(history, platform, before)
    now = T0 + timedelta(days=1)
    made: list[UUID] = []

    def new_id() -> UUID:
        made.append(NEW_ID)
        return NEW_ID

    connection = connect_account(
        existing,
        new_id=new_id,
        workspace_id=WORKSPACE,
        platform=platform,
        profile=fresh,
        now=now,
        warnings=given_warnings,
    )

    integration = connection.integration
    assert connection.reactivated is (existing is not None)
    assert integration.id == (UUID(int=1) if existing is not None else NEW_ID)
    assert made == ([] if existing is not None else [NEW_ID]), "an id only for a new one"
    assert integration.status is IntegrationStatus.ACTIVE and integration.status_reason is None
    assert (integration.username, integration.display_name) == (
        fresh.username,
        fresh.display_name,
    )
    assert integration.connected_at == now and integration.warnings == given_warnings
    assert (integration.workspace_id, integration.platform) == (WORKSPACE, platform)


def test_another_workspaces_integration_is_never_reactivated() -> None:
    profile = Profile("2244994945", "openpost", None, None)
    theirs = Integration.connect(
        id=UUID(int=1), workspace_id=UUID(int=3), platform=Platform.TWITTER, profile=profile, now=T0
    )
    with pytest.raises(ValueError):
        connect_account(
            theirs,
            new_id=lambda: NEW_ID,
            workspace_id=WORKSPACE,
            platform=Platform.TWITTER,
            profile=profile,
            now=T0,
        )
