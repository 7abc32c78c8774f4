"""Parsing the references to existing posts that replies and quotes name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.platform import Platform
from domain.references import (
    BlueskyPostRef,
    InvalidReference,
    XPostRef,
    parse_bluesky_reference,
    parse_reference,
    parse_x_reference,
)

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"


@pytest.mark.parametrize(
    "value",
    [
        "1460323737035677698",
        "https://x.com/jack/status/1460323737035677698",
        "https://twitter.com/jack/status/1460323737035677698",
        "http://www.twitter.com/jack/status/1460323737035677698?s=20",
        "https://mobile.x.com/jack/status/1460323737035677698/photo/1",
        "https://x.com/i/web/status/1460323737035677698",
        " https://X.COM/jack/status/1460323737035677698 ",
    ],
)
def test_x_references(value: str) -> None:
    assert parse_x_reference(value) == XPostRef("1460323737035677698")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "0123",
        "12345678901234567890",  # 20 digits: beyond X's ids
        "https://x.com/jack",
        "https://x.com/jack/status/",
        "https://x.com/jack/status/abc",
        "https://evil.example/jack/status/1460323737035677698",
        "https://x.com.evil.example/jack/status/1",
        "https://x.com:8443/jack/status/1",
        "https://user@x.com/jack/status/1",
        "ftp://x.com/jack/status/1",
        "https://bsky.app/profile/alice.bsky.social/post/3k2yihcrp6f2c",
        "x.com/jack/status/1",
    ],
)
def test_malformed_or_foreign_x_references(value: str) -> None:
    with pytest.raises(InvalidReference):
        parse_x_reference(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "https://bsky.app/profile/alice.bsky.social/post/3k2yihcrp6f2c",
            BlueskyPostRef("alice.bsky.social", "3k2yihcrp6f2c"),
        ),
        (
            f"https://bsky.app/profile/{DID}/post/3k2yihcrp6f2c/",
            BlueskyPostRef(DID, "3k2yihcrp6f2c"),
        ),
        (f"at://{DID}/app.bsky.feed.post/3k2yihcrp6f2c", BlueskyPostRef(DID, "3k2yihcrp6f2c")),
        (
            "at://Alice.Test/app.bsky.feed.post/3k2yihcrp6f2c",
            BlueskyPostRef("alice.test", "3k2yihcrp6f2c"),
        ),
    ],
)
def test_bluesky_references(value: str, expected: BlueskyPostRef) -> None:
    assert parse_bluesky_reference(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "3k2yihcrp6f2c",
        "https://x.com/jack/status/1460323737035677698",
        "https://bsky.app/profile/alice.bsky.social",
        "https://bsky.app/profile/alice.bsky.social/feed/3k2yihcrp6f2c",
        "https://bsky.app/profile/alice/post/3k2yihcrp6f2c",  # not a handle
        "https://bsky.app/profile/alice.bsky.social/post/..",
        "https://bsky.app/profile/alice.bsky.social/post/a/b",
        f"at://{DID}/app.bsky.feed.like/3k2yihcrp6f2c",
        f"at://{DID}/app.bsky.feed.post/",
        "at://did:PLC:x/app.bsky.feed.post/3k",
        "https://bsky.app.evil.example/profile/alice.test/post/3k",
    ],
)
def test_malformed_or_foreign_bluesky_references(value: str) -> None:
    with pytest.raises(InvalidReference):
        parse_bluesky_reference(value)


def test_other_platforms_take_no_references() -> None:
    with pytest.raises(InvalidReference):
        parse_reference(Platform.LINKEDIN, "1")


ids = st.from_regex(r"[1-9][0-9]{0,18}", fullmatch=True)
users = st.from_regex(r"[A-Za-z0-9_]{1,15}", fullmatch=True)
hosts = st.sampled_from(["x.com", "twitter.com", "www.x.com", "mobile.twitter.com"])
rkeys = st.from_regex(r"[a-z2-7]{13}", fullmatch=True)
handles = st.from_regex(r"[a-z][a-z0-9]{0,20}\.(test|bsky\.social|example\.com)", fullmatch=True)


@given(hosts, users, ids)
def test_every_x_status_url_gives_back_its_id(host: str, user: str, post_id: str) -> None:
    assert parse_x_reference(f"https://{host}/{user}/status/{post_id}") == XPostRef(post_id)
    assert parse_x_reference(post_id) == XPostRef(post_id)


@given(st.one_of(handles, st.just(DID)), rkeys)
def test_a_bluesky_url_and_its_at_uri_name_the_same_post(author: str, rkey: str) -> None:
    from_url = parse_bluesky_reference(f"https://bsky.app/profile/{author}/post/{rkey}")
    from_uri = parse_bluesky_reference(f"at://{author}/app.bsky.feed.post/{rkey}")
    assert from_url == from_uri == BlueskyPostRef(author, rkey)
    assert parse_bluesky_reference(from_uri.at_uri) == from_uri


@given(st.text(max_size=200))
def test_arbitrary_text_parses_or_is_refused_cleanly(text: str) -> None:
    for platform in (Platform.TWITTER, Platform.BLUESKY):
        try:
            parsed = parse_reference(platform, text)
        except InvalidReference:
            continue
        assert isinstance(parsed, XPostRef if platform is Platform.TWITTER else BlueskyPostRef)
