"""The languages a post is written in, as BCP 47 tags (Bluesky's `langs`).

At most three (Bluesky's limit). A tag must be well formed (hyphen-separated ASCII subtags,
no underscore, at most 35 characters) and valid: every subtag registered with IANA, as the
`langcodes` library knows them (so `xx` or `en--US` are refused, `pt-BR`, `zh-Hant-TW` and
`de-CH-1996` pass). Tags are kept in their standard form (`en-us` becomes `en-US`) and a
repeated one is refused, so a post never says the same language twice.
"""

from __future__ import annotations

from collections.abc import Sequence

import langcodes
import regex

MAX_LANGS = 3
MAX_TAG_LENGTH = 35
_WELL_FORMED = regex.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")


class InvalidLanguageTag(ValueError):
    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index, self.reason = index, reason


def normalize_langs(tags: Sequence[str]) -> tuple[str, ...]:
    """The standard forms of `tags`; raises `InvalidLanguageTag` naming the first bad one
    (index -1 when there are too many)."""
    if len(tags) > MAX_LANGS:
        raise InvalidLanguageTag(-1, f"at most {MAX_LANGS} languages")
    normalized: list[str] = []
    for index, tag in enumerate(tags):
        standard = standard_tag(tag)
        if standard is None:
            raise InvalidLanguageTag(index, f"{tag!r} is not a valid BCP 47 language tag")
        if standard in normalized:
            raise InvalidLanguageTag(index, f"{standard} is listed twice")
        normalized.append(standard)
    return tuple(normalized)


def standard_tag(tag: str) -> str | None:
    if len(tag) > MAX_TAG_LENGTH or not _WELL_FORMED.fullmatch(tag):
        return None
    if not langcodes.tag_is_valid(tag):
        return None
    return str(langcodes.standardize_tag(tag))
