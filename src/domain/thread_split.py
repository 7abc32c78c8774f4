"""Splitting one long text into the parts of a thread, for one platform.

The rules, in order of preference:
1. A line that is exactly `---` always ends a part (the line itself is dropped).
2. A section that fits is one part. One that does not is cut at blank lines: consecutive
   paragraphs share a part while they fit together (a thread stays as short as it can).
3. A paragraph that is over the limit alone is cut after the last sentence end (`.`, `!`,
   `?`, `…` and their CJK forms, with closing quotes or brackets) that fits, else at the last
   space that fits, else, for a single word longer than a part, at the last grapheme cluster
   boundary that fits.
Never inside a URL (as twitter-text finds it, up to the next space) nor inside a grapheme
cluster. Only whitespace and `---` lines are removed: the parts, in order, are the text.

A URL that alone does not fit a part (only possible on Bluesky: X counts any URL as 23)
cannot be split and is refused, as is a text that needs more than `MAX_THREAD_PARTS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import regex

from domain.platform import Platform
from domain.text import BLUESKY_MAX_BYTES, bluesky_fits, grapheme_ends, url_spans, x_fits

MIN_THREAD_PARTS = 2
MAX_THREAD_PARTS = 25

_SEPARATOR_LINE = regex.compile(r"^---[ \t]*(?:\r?\n|\Z)", regex.MULTILINE)
_BLANK_LINES = regex.compile(r"\n[ \t\r]*\n\s*")
_SENTENCE_END = regex.compile(r"[.!?\u2026\u3002\uff01\uff1f][\"'\u201d\u2019)\]\u00bb]*(?=\s)")
_SPACE = regex.compile(r"\s+")
_WORD = regex.compile(r"\S*")
_MAX_WORD = 4096
_BARE_URL = regex.compile(r"[a-z][a-z0-9+.-]*://\S+", regex.IGNORECASE)


class ThreadSplitImpossible(ValueError):
    """The text cannot be cut into parts that each fit: a URL longer than a part, or more
    parts than a thread may have."""


@dataclass(frozen=True, slots=True)
class PartLimit:
    """What one part may hold on a platform. `max_chars` bounds how far ahead a part can
    possibly reach, so a megabyte of text is never weighed whole."""

    fits: Callable[[str], bool]
    max_chars: int


LIMITS: dict[Platform, PartLimit] = {
    Platform.TWITTER: PartLimit(x_fits, 280 * 4096 // 23),
    Platform.BLUESKY: PartLimit(bluesky_fits, BLUESKY_MAX_BYTES),
}


def split_for(platform: Platform, text: str) -> list[str]:
    """The thread parts of `text` on `platform` (see the module docstring)."""
    return split_thread(text, LIMITS[platform])


def split_thread(text: str, limit: PartLimit) -> list[str]:
    parts: list[str] = []
    for section in _SEPARATOR_LINE.split(text):
        for part in _split_section(section.strip(), limit):
            parts.append(part)
            if len(parts) > MAX_THREAD_PARTS:
                raise ThreadSplitImpossible(f"needs more than {MAX_THREAD_PARTS} parts")
    return parts


def _split_section(section: str, limit: PartLimit) -> Iterator[str]:
    if not section or limit.fits(section):
        if section:
            yield section
        return
    pending = ""
    for paragraph in _paragraphs(section):
        if limit.fits((pending + paragraph).strip()):
            pending += paragraph
            continue
        if pending:
            yield pending.strip()
        body = paragraph.rstrip()
        *whole, last = _cut_paragraph(body, limit)
        yield from whole
        pending = last + paragraph[len(body) :]
    if pending.strip():
        yield pending.strip()


def _paragraphs(section: str) -> list[str]:
    """Each paragraph with the blank lines that follow it, so joining them restores it."""
    pieces, start = [], 0
    for gap in _BLANK_LINES.finditer(section):
        pieces.append(section[start : gap.end()])
        start = gap.end()
    pieces.append(section[start:])
    return pieces


def _cut_paragraph(paragraph: str, limit: PartLimit) -> list[str]:
    """Cut into pieces that fit, the last of which may be joined with what follows."""
    pieces, rest = [], paragraph
    while not limit.fits(rest):
        end, start = _best_cut(rest, limit)
        pieces.append(rest[:end].rstrip())
        rest = rest[start:].lstrip()
        if len(pieces) > MAX_THREAD_PARTS:
            raise ThreadSplitImpossible(f"needs more than {MAX_THREAD_PARTS} parts")
    return [*pieces, rest]


def _best_cut(text: str, limit: PartLimit) -> tuple[int, int]:
    """(end of this part, start of the next) at the preferred place that fits."""
    window = _window(text, limit)
    blocked = _blocked(window)
    sentence_ends = [(m.end(), m.end()) for m in _SENTENCE_END.finditer(window)]
    spaces = [(m.start(), m.end()) for m in _SPACE.finditer(window) if m.start() > 0]
    graphemes = [(end, end) for end in grapheme_ends(window)[:-1]]
    for candidates in (sentence_ends, spaces, graphemes):
        usable = [c for c in candidates if not blocked[c[0]]]
        found = _last_fitting(text, usable, limit)
        if found is not None:
            return found
    raise ThreadSplitImpossible("a link, or a character the platform refuses, fits no part")


def _window(text: str, limit: PartLimit) -> str:
    """The shortest prefix, at a whitespace, that no longer fits: the cut lies inside it.
    Grown by fours from a few hundred characters, so a long text costs little per cut."""
    size = 1024
    while size < limit.max_chars:
        word_end = _WORD.match(text, size, min(len(text), size + _MAX_WORD))
        prefix = text[: word_end.end() if word_end else size]
        if not limit.fits(prefix):
            return prefix
        size *= 4
    return text[: limit.max_chars + 1]


def _last_fitting(
    text: str, candidates: Sequence[tuple[int, int]], limit: PartLimit
) -> tuple[int, int] | None:
    """The last candidate whose prefix fits. A longer prefix never weighs less (whole words
    and URLs are only ever added), so a binary search finds it."""
    low, high, found = 0, len(candidates) - 1, None
    while low <= high:
        middle = (low + high) // 2
        if limit.fits(text[: candidates[middle][0]].rstrip()):
            found, low = candidates[middle], middle + 1
        else:
            high = middle - 1
    return found


def _blocked(text: str) -> bytearray:
    """1 at every offset strictly inside a URL: no cut may fall there."""
    blocked = bytearray(len(text) + 1)
    for start, end in url_spans(text) + [m.span() for m in _BARE_URL.finditer(text)]:
        blocked[start + 1 : end] = b"\x01" * max(0, end - start - 1)
    return blocked
