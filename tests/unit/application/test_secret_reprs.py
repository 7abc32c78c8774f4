"""Objects that carry secrets print without them, so an accidental `log.info("%s", x)`,
a traceback's locals or an assertion message cannot leak a token, key or verifier."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from application.api_keys import IssuedKey, issue_key
from application.complete_twitter_connect import TwitterCallback
from application.ports.bluesky import BlueskyLogin
from application.ports.credentials import Credentials, StoredCredentials
from application.ports.oauth_states import OAuthState
from application.start_connect import OAuthConnect
from domain.integration import Profile
from domain.platform import Platform
from domain.workspace import WorkspaceMode

NOW = datetime(2026, 4, 17, 10, 0, tzinfo=UTC)
SECRET = "s3cr3t-value-that-must-not-print"


def printed(value: object) -> str:
    return f"{value!r} {value!s} {[value]} {(value,)!r}"


def credentials() -> Credentials:
    return Credentials(
        access_token=SECRET,
        refresh_token=SECRET,
        password=SECRET,
        extra={"session": SECRET},
    )


def issued() -> IssuedKey:
    class Ids:
        def new_id(self):  # type: ignore[no-untyped-def]
            return uuid4()

    class Clock:
        def now(self) -> datetime:
            return NOW

    return issue_key(uuid4(), WorkspaceMode.LIVE, Ids(), Clock())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [
        credentials(),
        StoredCredentials(credentials(), 1),
        BlueskyLogin(credentials(), Profile("did:plc:x", "u", "U")),
        OAuthState(SECRET[:5], uuid4(), Platform.TWITTER, SECRET, "https://r", NOW, NOW),
        OAuthConnect("https://x", "state", SECRET, "https://r"),
        TwitterCallback(state="state", code=SECRET),
    ],
    ids=lambda v: type(v).__name__,
)
def test_secrets_never_print(value: object) -> None:
    assert SECRET not in printed(value)


def test_an_issued_key_prints_without_its_plaintext() -> None:
    key = issued()
    assert key.plaintext not in printed(key)
    assert key.key.prefix in repr(key)  # still recognisable by its visible prefix


def test_redaction_survives_logging(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    with caplog.at_level(logging.DEBUG):
        logging.getLogger("openpost.test").debug("got %s and %r", credentials(), credentials())
    assert SECRET not in caplog.text and "redacted" in caplog.text
