"""Splitting a text into thread parts: the rules by example, then the properties."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.platform import Platform
from domain.text import bluesky_fits, grapheme_ends, url_spans, x_fits
from domain.thread_split import (
    MAX_THREAD_PARTS,
    ThreadSplitImpossible,
    split_for,
)

X, BSKY = Platform.TWITTER, Platform.BLUESKY
FITS = {X: x_fits, BSKY: bluesky_fits}
GAP = regex.compile(r"(?:\s|(?:^|(?<=\n))---[ \t]*(?:\r?\n|$))*")


def test_a_text_that_fits_is_one_part() -> None:
    assert split_for(X, "  Hello there.\n\nSecond paragraph.  ") == [
        "Hello there.\n\nSecond paragraph."
    ]


def test_separator_lines_always_cut_and_are_dropped() -> None:
    assert split_for(BSKY, "one\n---\ntwo\n---  \n\n---\nthree") == ["one", "two", "three"]


def test_dashes_inside_a_line_are_text() -> None:
    assert split_for(X, "a --- b\n----\nc") == ["a --- b\n----\nc"]


def test_paragraphs_share_a_part_while_they_fit() -> None:
    paragraphs = ["a" * 100, "b" * 100, "c" * 100, "d" * 100]
    assert split_for(X, "\n\n".join(paragraphs)) == [
        "a" * 100 + "\n\n" + "b" * 100,
        "c" * 100 + "\n\n" + "d" * 100,
    ]


def test_a_long_paragraph_is_cut_after_the_last_sentence_end_that_fits() -> None:
    text = "First sentence here. " + "word " * 40 + "end. " + "more " * 40
    first, second = split_for(X, text)
    assert first.endswith("end.")
    assert second.startswith("more")


def test_closing_quotes_stay_with_their_sentence() -> None:
    text = 'He said "stop." ' + "x" * 270
    assert split_for(X, text) == ['He said "stop."', "x" * 270]


def test_without_a_sentence_end_it_is_cut_at_the_last_space_that_fits() -> None:
    first, second = split_for(BSKY, "word " * 100)
    assert first == ("word " * 60).strip()
    assert second == ("word " * 40).strip()


def test_a_word_longer_than_a_part_is_cut_between_graphemes() -> None:
    accented = "e\u0301"
    assert [len(grapheme_ends(p)) for p in split_for(BSKY, accented * 400)] == [300, 100]
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 18 bytes: 3000 bytes bind first
    parts = split_for(BSKY, family * 400)
    assert [len(grapheme_ends(p)) for p in parts] == [166, 166, 68]
    assert "".join(parts) == family * 400


def test_a_url_is_never_cut() -> None:
    url = "https://example.com/" + "p" * 100
    text = "lead " * 40 + url + " tail"
    parts = split_for(BSKY, text)
    assert any(url in part for part in parts)


def test_a_url_longer_than_a_bluesky_part_cannot_be_split() -> None:
    with pytest.raises(ThreadSplitImpossible):
        split_for(BSKY, "see https://example.com/" + "p" * 400)


def test_x_counts_a_url_as_23_so_a_long_one_fits() -> None:
    url = "https://example.com/" + "p" * 1000
    assert split_for(X, url) == [url]


def test_more_than_25_parts_is_refused() -> None:
    with pytest.raises(ThreadSplitImpossible):
        split_for(X, "\n---\n".join(["part"] * (MAX_THREAD_PARTS + 1)))
    with pytest.raises(ThreadSplitImpossible):
        split_for(X, "word " * 60 * (MAX_THREAD_PARTS + 1))


def test_a_megabyte_without_spaces_is_refused_quickly() -> None:
    with pytest.raises(ThreadSplitImpossible):
        split_for(X, "a" * 1_000_000)


# Properties --------------------------------------------------------------------------------

EMOJI = [
    "\U0001f44d\U0001f3fd",
    "\U0001f1eb\U0001f1f7",
    "\u2764\ufe0f",
    "e\u0301",
    "\u0915\u094d\u0937",
]
urls = st.builds(
    lambda scheme, host, path: f"{scheme}{host}.com{path}",
    st.sampled_from(["https://", "http://", ""]),
    st.from_regex(r"[a-z0-9]{1,15}", fullmatch=True),
    st.one_of(st.just(""), st.from_regex(r"/[a-z0-9_/.-]{0,120}[a-z0-9]", fullmatch=True)),
)
words = st.one_of(
    st.from_regex(r"[A-Za-z]{1,15}", fullmatch=True),
    st.from_regex(r"[A-Za-z]{100,400}", fullmatch=True),
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=8),
    st.sampled_from(EMOJI),
    urls,
)
separators = st.sampled_from([" ", " ", " ", ". ", "! ", "? ", "\n", "\n\n", "\n---\n", "\u3002"])
texts = st.lists(st.tuples(words, separators), min_size=1, max_size=100).map(
    lambda pairs: "".join(word + sep for word, sep in pairs)
)
platforms = st.sampled_from([X, BSKY])


def _spans(text: str, parts: list[str]) -> list[tuple[int, int]]:
    """Where each part lies in `text`: in order, with only whitespace and `---` lines
    between them (the assertion that joining the parts gives the text back)."""
    spans, position = [], 0
    for part in parts:
        start = text.find(part, position)
        assert start >= 0, "a part is not a piece of the text, in order"
        assert GAP.fullmatch(text, position, start), "something besides separators was removed"
        spans.append((start, start + len(part)))
        position = start + len(part)
    assert GAP.fullmatch(text, position), "the end of the text was lost"
    return spans


def _split_or_none(platform: Platform, text: str) -> list[str] | None:
    try:
        return split_for(platform, text)
    except ThreadSplitImpossible:
        return None


@settings(max_examples=100, deadline=None)
@given(platforms, texts)
def test_every_part_fits_and_the_parts_are_the_text(platform: Platform, text: str) -> None:
    parts = _split_or_none(platform, text)
    if parts is None:
        return
    assert 1 <= len(parts) <= MAX_THREAD_PARTS or not text.strip()
    assert all(FITS[platform](part) for part in parts)
    _spans(text, parts)


@settings(max_examples=100, deadline=None)
@given(platforms, texts)
def test_no_url_and_no_grapheme_is_cut(platform: Platform, text: str) -> None:
    parts = _split_or_none(platform, text)
    if parts is None:
        return
    spans = _spans(text, parts)
    boundaries = {0, *grapheme_ends(text)}
    for start, end in spans:
        assert start in boundaries and end in boundaries
    for url_start, url_end in url_spans(text):
        assert any(s <= url_start and url_end <= e for s, e in spans), text[url_start:url_end]


@settings(max_examples=100, deadline=None)
@given(platforms, texts)
def test_the_split_is_stable(platform: Platform, text: str) -> None:
    parts = _split_or_none(platform, text)
    if parts is None:
        return
    assert split_for(platform, text) == parts
    for part in parts:
        assert split_for(platform, part) == [part]
    assert split_for(platform, "\n---\n".join(parts)) == parts
