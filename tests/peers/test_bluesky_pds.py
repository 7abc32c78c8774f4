"""Proves the local PDS peer behaves as the spec facts (BLUESKY-PDS.md) say, raw and via the SDK.

If these fail, the adapter tests built on the peer cannot be trusted: fix the peer first.
"""

from __future__ import annotations

import base64
import json

import pytest
from atproto import AsyncClient, models
from atproto.exceptions import BadRequestError, UnauthorizedError
from atproto_client.client.session import Session, SessionEvent

from tests.peers.bluesky_pds import LocalPds

pytestmark = pytest.mark.pds

POST = "app.bsky.feed.post"
CREATE_SESSION = "com.atproto.server.createSession"
REFRESH_SESSION = "com.atproto.server.refreshSession"


def _jwt_claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def _post(text: str) -> dict[str, str]:
    return {"$type": POST, "text": text, "createdAt": "2025-01-01T00:00:00.000Z"}


# ---- raw XRPC ----------------------------------------------------------------------------


def test_create_account_gives_test_handle_and_plc_did(bluesky_pds: LocalPds) -> None:
    account = bluesky_pds.create_account(display_name="Alice")

    assert account.handle.endswith(".test")
    assert account.did.startswith("did:plc:")
    repo = bluesky_pds.xrpc("com.atproto.repo.describeRepo", params={"repo": account.handle})
    assert repo.json()["did"] == account.did
    profile = bluesky_pds.get_record(account.did, "app.bsky.actor.profile", "self")
    assert profile is not None
    assert profile["value"]["displayName"] == "Alice"


def test_fresh_account_has_no_profile_record(bluesky_pds: LocalPds) -> None:
    account = bluesky_pds.create_account()

    assert bluesky_pds.get_record(account.did, "app.bsky.actor.profile", "self") is None


def test_login_with_app_password(bluesky_pds: LocalPds) -> None:
    account = bluesky_pds.create_account()
    app_password = bluesky_pds.create_app_password(account, "openpost")

    session = bluesky_pds.create_session(account.handle, app_password)

    assert len(app_password) == 19
    assert app_password.count("-") == 3
    assert session["did"] == account.did
    assert session["handle"] == account.handle
    assert _jwt_claims(session["accessJwt"])["scope"] == "com.atproto.appPass"
    # The DID doc comes from the PLC peer; the SDK takes the PDS URL from it.
    services = session["didDoc"]["service"]
    assert services[0]["serviceEndpoint"] == bluesky_pds.url


def test_wrong_password_is_401_authentication_required(bluesky_pds: LocalPds) -> None:
    account = bluesky_pds.create_account()

    response = bluesky_pds.xrpc(
        CREATE_SESSION, body={"identifier": account.handle, "password": "wrong-wrong-wrong-1"}
    )

    assert response.status_code == 401
    assert response.json()["error"] == "AuthenticationRequired"


def test_leading_at_in_identifier_is_401(bluesky_pds: LocalPds) -> None:
    account = bluesky_pds.create_account()

    response = bluesky_pds.xrpc(
        CREATE_SESSION, body={"identifier": "@" + account.handle, "password": account.password}
    )

    assert response.status_code == 401


def test_revoked_app_password(bluesky_pds: LocalPds) -> None:
    account = bluesky_pds.create_account()
    app_password = bluesky_pds.create_app_password(account, "to-revoke")
    session = bluesky_pds.create_session(account.handle, app_password)

    bluesky_pds.revoke_app_password(account, "to-revoke")

    login = bluesky_pds.xrpc(
        CREATE_SESSION, body={"identifier": account.handle, "password": app_password}
    )
    assert login.status_code == 401
    assert login.json()["error"] == "AuthenticationRequired"
    refresh = bluesky_pds.xrpc(REFRESH_SESSION, post=True, token=session["refreshJwt"])
    assert refresh.status_code == 400
    assert refresh.json()["error"] == "ExpiredToken"
    # An access JWT issued before the revoke keeps working until it expires.
    still_valid = bluesky_pds.xrpc("com.atproto.server.getSession", token=session["accessJwt"])
    assert still_valid.status_code == 200


def test_create_post_and_read_it_back(bluesky_pds: LocalPds) -> None:
    account = bluesky_pds.create_account()

    created = bluesky_pds.xrpc(
        "com.atproto.repo.createRecord",
        token=account.access_jwt,
        body={"repo": account.did, "collection": POST, "record": _post("hello loopback")},
    )

    assert created.status_code == 200
    uri = created.json()["uri"]
    assert uri.startswith(f"at://{account.did}/{POST}/")
    record = bluesky_pds.get_record(account.did, POST, uri.rsplit("/", 1)[1])
    assert record is not None
    assert record["value"]["text"] == "hello loopback"
    assert [r["uri"] for r in bluesky_pds.list_records(account.did, POST)] == [uri]


def test_post_over_300_graphemes_is_400_invalid_request(bluesky_pds: LocalPds) -> None:
    account = bluesky_pds.create_account()

    response = bluesky_pds.xrpc(
        "com.atproto.repo.createRecord",
        token=account.access_jwt,
        body={"repo": account.did, "collection": POST, "record": _post("x" * 301)},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "InvalidRequest"


def test_counts_login_and_refresh_calls(bluesky_pds: LocalPds) -> None:
    account = bluesky_pds.create_account()
    bluesky_pds.reset_counts()

    first = bluesky_pds.create_session(account.handle, account.password)
    bluesky_pds.create_session(account.handle, account.password)
    refresh = bluesky_pds.xrpc(REFRESH_SESSION, post=True, token=first["refreshJwt"])

    assert refresh.status_code == 200

    counts = bluesky_pds.counts()
    assert counts[CREATE_SESSION] == 2
    assert counts[REFRESH_SESSION] == 1
    bluesky_pds.reset_counts()
    assert bluesky_pds.counts() == {CREATE_SESSION: 0, REFRESH_SESSION: 0}


def test_get_profile_fails_without_appview(bluesky_pds: LocalPds) -> None:
    account = bluesky_pds.create_account()

    response = bluesky_pds.xrpc(
        "app.bsky.actor.getProfile", params={"actor": account.did}, token=account.access_jwt
    )

    assert response.status_code >= 400


# ---- the atproto SDK (what the adapter uses) ---------------------------------------------


async def test_sdk_create_session_without_login(bluesky_pds: LocalPds) -> None:
    """``create_session`` is a plain XRPC call: no getProfile, no session kept in the client."""
    account = bluesky_pds.create_account()
    app_password = bluesky_pds.create_app_password(account)
    client = AsyncClient(base_url=bluesky_pds.url)  # "/xrpc" is appended by the SDK

    session = await client.com.atproto.server.create_session(
        models.ComAtprotoServerCreateSession.Data(identifier=account.handle, password=app_password)
    )

    assert session.did == account.did
    assert session.access_jwt and session.refresh_jwt
    await client.request.close()


async def test_sdk_login_without_profile_and_post(bluesky_pds: LocalPds) -> None:
    account = bluesky_pds.create_account()
    app_password = bluesky_pds.create_app_password(account)
    client = AsyncClient(base_url=bluesky_pds.url)
    events: list[SessionEvent] = []
    client.on_session_change(lambda event, _session: events.append(event))

    await client.login(account.handle, app_password, fetch_bsky_profile=False)
    post = await client.send_post("via the SDK", profile_identify=account.did)

    assert events == [SessionEvent.CREATE]
    assert post.uri.startswith(f"at://{account.did}/{POST}/")
    assert bluesky_pds.get_record(account.did, POST, post.uri.rsplit("/", 1)[1]) is not None
    await client.request.close()


async def test_sdk_login_with_profile_lookup_raises(bluesky_pds: LocalPds) -> None:
    """The default ``login()`` asks the (absent) AppView for the profile and raises."""
    account = bluesky_pds.create_account()
    client = AsyncClient(base_url=bluesky_pds.url)

    with pytest.raises(BadRequestError) as error:
        await client.login(account.handle, account.password)

    assert error.value.response is not None
    assert error.value.response.status_code == 400
    await client.request.close()


async def test_sdk_resume_from_session_string_does_not_log_in(bluesky_pds: LocalPds) -> None:
    account = bluesky_pds.create_account()
    app_password = bluesky_pds.create_app_password(account)
    first = AsyncClient(base_url=bluesky_pds.url)
    await first.login(account.handle, app_password, fetch_bsky_profile=False)
    saved = first.export_session_string()
    bluesky_pds.reset_counts()

    second = AsyncClient(base_url=bluesky_pds.url)
    await second.login(session_string=saved, fetch_bsky_profile=False)
    await second.send_post("resumed", profile_identify=account.did)

    assert bluesky_pds.counts()[CREATE_SESSION] == 0
    assert Session.decode(saved).pds_endpoint == bluesky_pds.url
    await first.request.close()
    await second.request.close()


async def test_sdk_refresh_session(bluesky_pds: LocalPds) -> None:
    account = bluesky_pds.create_account()
    client = AsyncClient(base_url=bluesky_pds.url)
    await client.login(account.handle, account.password, fetch_bsky_profile=False)
    before = client.export_session_string()
    bluesky_pds.reset_counts()

    refreshed = await client.com.atproto.server.refresh_session(
        headers={"Authorization": f"Bearer {Session.decode(before).refresh_jwt}"}
    )

    assert refreshed.refresh_jwt != Session.decode(before).refresh_jwt
    assert bluesky_pds.counts()[REFRESH_SESSION] == 1
    await client.request.close()


async def test_sdk_errors_carry_the_xrpc_error_name(bluesky_pds: LocalPds) -> None:
    account = bluesky_pds.create_account()
    app_password = bluesky_pds.create_app_password(account, "sdk-revoke")
    client = AsyncClient(base_url=bluesky_pds.url)
    session = await client.com.atproto.server.create_session(
        {"identifier": account.handle, "password": app_password}
    )
    bluesky_pds.revoke_app_password(account, "sdk-revoke")

    with pytest.raises(UnauthorizedError) as login_error:
        await client.com.atproto.server.create_session(
            {"identifier": account.handle, "password": app_password}
        )
    with pytest.raises(BadRequestError) as refresh_error:
        await client.com.atproto.server.refresh_session(
            headers={"Authorization": f"Bearer {session.refresh_jwt}"}
        )

    assert login_error.value.response is not None
    assert login_error.value.response.status_code == 401
    assert login_error.value.response.content.error == "AuthenticationRequired"
    assert refresh_error.value.response is not None
    assert refresh_error.value.response.content.error == "ExpiredToken"
    assert refresh_error.value.response.content.message == "Token has been revoked"
    await client.request.close()
