"""References to existing posts, as a user pastes them, for replies and quotes.

- X: a status URL on `x.com` or `twitter.com` (any of their `www.` and `mobile.` hosts,
  `http` or `https`, with or without a trailing path such as `/photo/1` or a query), or a
  bare post id (1 to 19 digits). The post id is all that is kept.
- Bluesky: `https://bsky.app/profile/{handle or did}/post/{rkey}` or
  `at://{handle or did}/app.bsky.feed.post/{rkey}`. The author (handle or DID) and the record
  key are kept; turning them into a `{uri, cid}` strong reference needs the network and is
  done when publishing.
A reference of the wrong platform, or one that does not parse, is refused with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import regex

from domain.platform import Platform

_X_HOSTS = frozenset(
    f"{prefix}{domain}" for prefix in ("", "www.", "mobile.") for domain in ("x.com", "twitter.com")
)
_BSKY_HOSTS = frozenset({"bsky.app", "www.bsky.app"})
_TWEET_ID = regex.compile(r"[1-9][0-9]{0,18}")
_X_STATUS_PATH = regex.compile(
    r"/(?:[A-Za-z0-9_]{1,15}|i(?:/web)?)/status(?:es)?/(?P<id>[0-9]+)(?:/.*)?"
)
_HANDLE = regex.compile(
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
)
_DID = regex.compile(r"did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]")
_RKEY = regex.compile(r"[A-Za-z0-9._:~-]{1,512}")
BLUESKY_POST_COLLECTION = "app.bsky.feed.post"


class InvalidReference(ValueError):
    """The text is not a reference to a post on the platform it was given for."""


@dataclass(frozen=True, slots=True)
class XPostRef:
    post_id: str


@dataclass(frozen=True, slots=True)
class BlueskyPostRef:
    """`author` is a handle or a DID; `at_uri` names the record with it."""

    author: str
    rkey: str

    @property
    def at_uri(self) -> str:
        return f"at://{self.author}/{BLUESKY_POST_COLLECTION}/{self.rkey}"


PostRef = XPostRef | BlueskyPostRef


def parse_reference(platform: Platform, value: str) -> PostRef:
    if platform is Platform.TWITTER:
        return parse_x_reference(value)
    if platform is Platform.BLUESKY:
        return parse_bluesky_reference(value)
    raise InvalidReference(f"{platform.value} posts cannot be replied to or quoted")


def parse_x_reference(value: str) -> XPostRef:
    text = value.strip()
    if _TWEET_ID.fullmatch(text):
        return XPostRef(text)
    parts = _url(text)
    if parts is None or parts[0] not in _X_HOSTS:
        raise InvalidReference("expected an X post id or an x.com/twitter.com status URL")
    found = _X_STATUS_PATH.fullmatch(parts[1])
    if found is None or not _TWEET_ID.fullmatch(found["id"]):
        raise InvalidReference("expected an x.com/{user}/status/{id} URL")
    return XPostRef(found["id"])


def parse_bluesky_reference(value: str) -> BlueskyPostRef:
    text = value.strip()
    if text.startswith("at://"):
        author, _, rest = text.removeprefix("at://").partition("/")
        collection, _, rkey = rest.partition("/")
        if collection != BLUESKY_POST_COLLECTION:
            raise InvalidReference(f"expected an at:// URI of an {BLUESKY_POST_COLLECTION} record")
        return _bluesky(author, rkey)
    parts = _url(text)
    if parts is None or parts[0] not in _BSKY_HOSTS:
        raise InvalidReference("expected a bsky.app post URL or an at:// URI")
    segments = parts[1].strip("/").split("/")
    if len(segments) != 4 or segments[0] != "profile" or segments[2] != "post":
        raise InvalidReference("expected a bsky.app/profile/{handle}/post/{rkey} URL")
    return _bluesky(segments[1], segments[3])


def _bluesky(author: str, rkey: str) -> BlueskyPostRef:
    if not (_DID.fullmatch(author) or (_HANDLE.fullmatch(author) and len(author) <= 253)):
        raise InvalidReference("the author is neither a handle nor a DID")
    if not _RKEY.fullmatch(rkey) or rkey in (".", ".."):
        raise InvalidReference("the record key is malformed")
    return BlueskyPostRef(author.lower() if not author.startswith("did:") else author, rkey)


def _url(text: str) -> tuple[str, str] | None:
    """(lower-cased host, path) of an http(s) URL without credentials or port, else None."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or parts.username or port is not None:
        return None
    if any(character.isspace() for character in text):
        return None
    return (parts.hostname or "", parts.path)
