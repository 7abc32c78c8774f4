"""Only plain `https` URLs (or the operator's own configured origin) reach a client."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.platforms.untrusted_urls import https_url_or_none

BSKY = "https://bsky.social"


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.bsky.app/img/avatar/plain/did:plc:abc/bafk@jpeg",
        "https://pbs.twimg.com/profile_images/1/a_normal.jpg",
        "https://pds.example:8443/xrpc/com.atproto.sync.getBlob?did=did%3Aplc%3Aa&cid=b",
    ],
)
def test_https_urls_are_kept(url: str) -> None:
    assert https_url_or_none(url, trusted_origins=[BSKY]) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)//https://x.com",
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://127.0.0.1:2583/xrpc/com.atproto.sync.getBlob?did=a&cid=b",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "//evil.example/a.png",
        "https:///no-host",
        "https://user:secret@pbs.twimg.com/a.jpg",
        "https://pbs.twimg.com/a.jpg\nSet-Cookie: x=1",
        "\thttps://pbs.twimg.com/a.jpg",
        "https://host:notaport/a",
        "https://" + "a" * 3000 + ".example/",
        "",
    ],
)
def test_anything_else_is_dropped(url: str) -> None:
    assert https_url_or_none(url, trusted_origins=[BSKY]) is None


@pytest.mark.parametrize("value", [None, 42, ["https://a.example/"], {"url": "https://a"}])
def test_a_value_that_is_not_text_is_dropped(value: object) -> None:
    assert https_url_or_none(value) is None


def test_the_operators_own_http_origin_is_trusted_and_only_it() -> None:
    configured = "http://127.0.0.1:2583"
    same = "http://127.0.0.1:2583/xrpc/com.atproto.sync.getBlob?did=a&cid=b"
    assert https_url_or_none(same, trusted_origins=[configured]) == same
    for other in (
        "http://127.0.0.1:2584/xrpc/x",
        "http://localhost:2583/xrpc/x",
        "http://169.254.169.254/xrpc/x",
    ):
        assert https_url_or_none(other, trusted_origins=[configured]) is None


@given(st.text(max_size=200))
def test_whatever_is_kept_is_https_or_trusted(value: str) -> None:
    kept = https_url_or_none(value, trusted_origins=["http://127.0.0.1:2583"])
    assert kept is None or kept.startswith(("https://", "http://127.0.0.1:2583"))
