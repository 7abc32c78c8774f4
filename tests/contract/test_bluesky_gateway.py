"""The Bluesky gateway against a real PDS on loopback (no mocks), and the login contract the
simulated gateway of test workspaces shares with it."""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
import pytest

from adapters.clock import ManualClock
from adapters.platforms.bluesky import AtprotoBlueskyGateway
from adapters.platforms.simulated import SIMULATED_APP_PASSWORD, SimulatedBlueskyGateway
from application.ports.bluesky import BlueskyGateway, InvalidCredentials
from application.ports.credentials import Credentials
from application.ports.platforms import (
    AccessTokenExpired,
    ContentRejected,
    CredentialsRejected,
    PlatformUnreachable,
)
from domain.integration import IntegrationWarning
from tests.peers.bluesky_pds import LocalPds, PdsAccount

POST = "app.bsky.feed.post"
CREATE_SESSION = "com.atproto.server.createSession"
REFRESH_SESSION = "com.atproto.server.refreshSession"
CREATE_RECORD = "com.atproto.repo.createRecord"
# A 1x1 transparent PNG, for an avatar.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture
async def gateway(bluesky_pds: LocalPds) -> AsyncIterator[AtprotoBlueskyGateway]:
    gateway = AtprotoBlueskyGateway(bluesky_pds.url, timeout=10)
    yield gateway
    await gateway.aclose()


@dataclass
class Account:
    """An account some gateway can log in to: its handle and a password it accepts."""

    gateway: BlueskyGateway
    handle: str
    password: str


@pytest.fixture(params=["pds", "simulated"])
def account(request: pytest.FixtureRequest) -> Account:
    if request.param == "simulated":
        clock = ManualClock(datetime(2026, 4, 17, tzinfo=UTC))
        return Account(
            SimulatedBlueskyGateway(clock), "someone.bsky.social", SIMULATED_APP_PASSWORD
        )
    pds: LocalPds = request.getfixturevalue("bluesky_pds")
    created = pds.create_account()
    return Account(
        request.getfixturevalue("gateway"), created.handle, pds.create_app_password(created)
    )


def _app_password(pds: LocalPds, **profile: str) -> tuple[PdsAccount, str, str]:
    account = pds.create_account(**profile)
    name = f"openpost-{time.monotonic_ns()}"
    return account, name, pds.create_app_password(account, name)


# ---- login: the contract both gateways keep ---------------------------------------------


@pytest.mark.pds
async def test_login_with_an_app_password(account: Account) -> None:
    login = await account.gateway.login(account.handle, account.password)

    assert login.profile.username == account.handle
    assert login.profile.platform_user_id.startswith("did:plc:")
    assert login.warnings == ()
    assert login.credentials.extra["did"] == login.profile.platform_user_id
    assert login.credentials.extra["handle"] == account.handle
    assert login.credentials.access_token and login.credentials.refresh_token


@pytest.mark.pds
async def test_a_leading_at_is_ignored(account: Account) -> None:
    plain = await account.gateway.login(account.handle, account.password)
    with_at = await account.gateway.login(f"  @{account.handle}", account.password)

    assert with_at.profile == plain.profile


@pytest.mark.pds
async def test_a_wrong_password_is_invalid_credentials(account: Account) -> None:
    with pytest.raises(InvalidCredentials):
        await account.gateway.login(account.handle, "wron-gwro-ngwr-ongw")


# ---- login against the PDS ----------------------------------------------------------------


@pytest.mark.pds
async def test_login_keeps_the_session_and_the_app_password(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    account, _, app_password = _app_password(bluesky_pds, display_name="Alice 🦋")

    login = await gateway.login(account.handle, app_password)

    assert login.profile.display_name == "Alice 🦋"
    assert login.profile.avatar_url is None
    credentials = login.credentials
    assert credentials.password == app_password
    assert credentials.scopes == ("com.atproto.appPass",)
    assert credentials.extra == {
        "did": account.did,
        "handle": account.handle,
        "pds_url": bluesky_pds.url,
    }
    assert credentials.expires_at is not None
    lifetime = credentials.expires_at - datetime.now(UTC)
    assert timedelta(minutes=100) < lifetime <= timedelta(hours=2)
    # The app password can renew the session for ever: no known end to declare expired.
    assert credentials.refresh_expires_at is None


@pytest.mark.pds
async def test_display_name_falls_back_to_the_handle(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    account, _, app_password = _app_password(bluesky_pds)

    login = await gateway.login(account.handle, app_password)

    assert login.profile.display_name == account.handle


@pytest.mark.pds
async def test_avatar_url_serves_the_profile_avatar(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    account, _, app_password = _app_password(bluesky_pds)
    _set_avatar(bluesky_pds, account, PNG)

    login = await gateway.login(account.handle, app_password)

    assert login.profile.avatar_url is not None
    assert login.profile.avatar_url.startswith(f"{bluesky_pds.url}/xrpc/com.atproto.sync.getBlob?")
    served = httpx.get(login.profile.avatar_url)
    assert served.status_code == 200 and served.content == PNG


@pytest.mark.pds
async def test_an_avatar_on_a_server_other_than_the_configured_http_one_is_dropped(
    bluesky_pds: LocalPds,
) -> None:
    """The account's DID document names its server; a plain-http server is trusted only
    when it is the one the operator configured, so the same server under another name
    (as an attacker's DID document would name 169.254.169.254) gives no avatar."""
    account, _, app_password = _app_password(bluesky_pds)
    _set_avatar(bluesky_pds, account, PNG)
    host = urlsplit(bluesky_pds.url).hostname
    elsewhere = bluesky_pds.url.replace(host or "", "localhost" if host != "localhost" else "127.0.0.1")
    gateway = AtprotoBlueskyGateway(elsewhere, timeout=10)
    try:
        login = await gateway.login(account.handle, app_password)
    finally:
        await gateway.aclose()
    assert login.profile.platform_user_id == account.did
    assert login.profile.avatar_url is None


@pytest.mark.pds
async def test_an_unknown_account_is_invalid_credentials(gateway: AtprotoBlueskyGateway) -> None:
    with pytest.raises(InvalidCredentials):
        await gateway.login("nobody-here.test", "abcd-efgh-ijkl-mnop")


@pytest.mark.pds
async def test_the_main_password_works_with_a_warning_and_is_not_kept(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    account = bluesky_pds.create_account()

    login = await gateway.login(account.handle, account.password)

    assert login.warnings == (IntegrationWarning.MAIN_PASSWORD_USED,)
    assert login.credentials.scopes == ("com.atproto.access",)
    assert login.credentials.password is None
    # Without a password the session ends with its refresh JWT (90 days).
    assert login.credentials.refresh_expires_at is not None
    assert login.credentials.refresh_expires_at - datetime.now(UTC) > timedelta(days=89)


async def test_an_unreachable_service_is_platform_unreachable_not_sent() -> None:
    gateway = AtprotoBlueskyGateway("http://127.0.0.1:9", timeout=2)
    try:
        with pytest.raises(PlatformUnreachable) as raised:
            await gateway.login("alice.test", "abcd-efgh-ijkl-mnop")
    finally:
        await gateway.aclose()
    assert raised.value.sent is False


# ---- sessions: refresh, re-login, revocation -------------------------------------------


@pytest.mark.pds
async def test_refresh_renews_the_session_without_logging_in(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    account, _, app_password = _app_password(bluesky_pds)
    login = await gateway.login(account.handle, app_password)
    bluesky_pds.reset_counts()

    fresh = await gateway.refresh(login.credentials)

    assert fresh.refresh_token != login.credentials.refresh_token
    assert fresh.password == app_password
    assert fresh.extra == login.credentials.extra
    counts = bluesky_pds.counts()
    assert counts.get(REFRESH_SESSION) == 1 and counts.get(CREATE_SESSION, 0) == 0
    await gateway.publish(fresh, "still me")


@pytest.mark.pds
async def test_a_lost_session_logs_in_again_with_the_app_password(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    account, _, app_password = _app_password(bluesky_pds)
    login = await gateway.login(account.handle, app_password)
    await gateway.revoke(login.credentials)  # the refresh JWT is now revoked
    bluesky_pds.reset_counts()

    fresh = await gateway.refresh(login.credentials)

    assert bluesky_pds.counts().get(CREATE_SESSION) == 1
    assert fresh.password == app_password
    assert fresh.extra["did"] == account.did
    await gateway.publish(fresh, "back again")


@pytest.mark.pds
async def test_a_revoked_app_password_is_found_at_the_next_refresh(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    account, name, app_password = _app_password(bluesky_pds)
    login = await gateway.login(account.handle, app_password)
    bluesky_pds.revoke_app_password(account, name)
    bluesky_pds.reset_counts()

    with pytest.raises(CredentialsRejected) as raised:
        await gateway.refresh(login.credentials)

    assert raised.value.reason == "token_revoked"
    # The refresh was refused, the one re-login too.
    assert bluesky_pds.counts().get(REFRESH_SESSION) == 1
    assert bluesky_pds.counts().get(CREATE_SESSION) == 1


@pytest.mark.pds
async def test_a_main_password_session_that_ends_is_rejected_for_good(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    account = bluesky_pds.create_account()
    login = await gateway.login(account.handle, account.password)
    await gateway.revoke(login.credentials)

    with pytest.raises(CredentialsRejected) as raised:
        await gateway.refresh(login.credentials)

    assert raised.value.reason == "token_revoked"


@pytest.mark.pds
async def test_revoke_ends_the_session_and_is_idempotent(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    account, _, app_password = _app_password(bluesky_pds)
    login = await gateway.login(account.handle, app_password)
    refresh_token = login.credentials.refresh_token
    assert refresh_token is not None

    await gateway.revoke(login.credentials)
    await gateway.revoke(login.credentials)

    refused = bluesky_pds.xrpc(REFRESH_SESSION, post=True, token=refresh_token)
    assert refused.status_code == 400 and refused.json()["error"] == "ExpiredToken"


# ---- publishing -----------------------------------------------------------------------------


@pytest.mark.pds
async def test_publish_sets_link_mention_and_tag_facets_at_utf8_byte_offsets(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    account, _, app_password = _app_password(bluesky_pds)
    friend = bluesky_pds.create_account()
    login = await gateway.login(account.handle, app_password)
    # The emoji and the accent make byte offsets differ from character offsets.
    text = (
        f"🦋 Héllo @{friend.handle} and @ghost-nobody.test, read "
        "https://example.com/path?q=1. #OpenPost"
    )

    post = await gateway.publish(login.credentials, text)

    rkey = post.platform_post_id.rsplit("/", 1)[1]
    assert post.platform_post_id == f"at://{account.did}/{POST}/{rkey}"
    assert post.url == f"https://bsky.app/profile/{account.handle}/post/{rkey}"
    record = bluesky_pds.get_record(account.did, POST, rkey)
    assert record is not None and record["value"]["text"] == text
    encoded = text.encode()
    found = [
        (
            encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(),
            f["features"][0],
        )
        for f in record["value"]["facets"]
    ]
    assert found == [
        (
            f"@{friend.handle}",
            {"$type": "app.bsky.richtext.facet#mention", "did": friend.did},
        ),
        (
            "https://example.com/path?q=1",
            {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/path?q=1"},
        ),
        ("#OpenPost", {"$type": "app.bsky.richtext.facet#tag", "tag": "OpenPost"}),
    ]
    mention = record["value"]["facets"][0]["index"]
    assert mention["byteStart"] == len(text[: text.index("@")].encode()) != text.index("@")


@pytest.mark.pds
async def test_a_text_without_entities_has_no_facets(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    account, _, app_password = _app_password(bluesky_pds)
    login = await gateway.login(account.handle, app_password)

    post = await gateway.publish(login.credentials, "just words")

    record = bluesky_pds.get_record(account.did, POST, post.platform_post_id.rsplit("/", 1)[1])
    assert record is not None and "facets" not in record["value"]


@pytest.mark.pds
async def test_300_graphemes_go_out_and_301_are_refused_before_any_call(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    account, _, app_password = _app_password(bluesky_pds)
    login = await gateway.login(account.handle, app_password)
    # 300 graphemes in 450 code points (an accent combined with its letter).
    await gateway.publish(login.credentials, "🦋" * 150 + "e\u0301" * 150)
    bluesky_pds.reset_counts()

    with pytest.raises(ContentRejected) as raised:
        await gateway.publish(login.credentials, "é" * 301)

    assert raised.value.code == "content_too_long"
    assert sum(bluesky_pds.counts().values()) == 0


@pytest.mark.pds
async def test_sessions_are_reused_across_publishes(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    account, _, app_password = _app_password(bluesky_pds)
    bluesky_pds.reset_counts()

    login = await gateway.login(account.handle, app_password)
    for n in range(5):
        await gateway.publish(login.credentials, f"post {n}")

    counts = bluesky_pds.counts()
    assert counts.get(CREATE_SESSION) == 1
    assert counts.get(CREATE_RECORD) == 5
    assert len(bluesky_pds.list_records(account.did, POST)) == 5


@pytest.mark.pds
async def test_a_refused_access_token_asks_for_a_refresh(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    account, _, app_password = _app_password(bluesky_pds)
    login = await gateway.login(account.handle, app_password)
    forged = replace(login.credentials, access_token=login.credentials.access_token[:-4] + "AAAA")

    with pytest.raises(AccessTokenExpired):
        await gateway.publish(forged, "hello")


async def test_a_publish_left_unanswered_may_have_been_sent() -> None:
    """At most once: a post sent and then timed out must not be sent again."""
    credentials = Credentials("a.b.c", extra={"did": "did:plc:abc", "handle": "a.test"})
    with silent_server() as url:
        gateway = AtprotoBlueskyGateway(url, timeout=1)
        try:
            with pytest.raises(PlatformUnreachable) as raised:
                await gateway.publish(credentials, "hello")
        finally:
            await gateway.aclose()

    assert raised.value.sent is True


@contextmanager
def silent_server() -> Iterator[str]:
    """Accepts connections and reads requests, but never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
        for conn in accepted:
            conn.close()


def _set_avatar(pds: LocalPds, account: PdsAccount, image: bytes) -> None:
    uploaded = pds.http.post(
        "/xrpc/com.atproto.repo.uploadBlob",
        content=image,
        headers={"Authorization": f"Bearer {account.access_jwt}", "Content-Type": "image/png"},
    )
    uploaded.raise_for_status()
    pds.xrpc(
        "com.atproto.repo.putRecord",
        token=account.access_jwt,
        body={
            "repo": account.did,
            "collection": "app.bsky.actor.profile",
            "rkey": "self",
            "record": {"$type": "app.bsky.actor.profile", "avatar": uploaded.json()["blob"]},
        },
    ).raise_for_status()
