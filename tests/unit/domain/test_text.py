"""How long a post is on X (weighted length) and on Bluesky (graphemes)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.text import (
    BLUESKY_MAX_BYTES,
    BLUESKY_MAX_GRAPHEMES,
    X_MAX_URL_LENGTH,
    X_MAX_WEIGHTED,
    bluesky_fits,
    bluesky_graphemes,
    x_fits,
    x_weighted_length,
)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # man, woman, girl, boy
FRENCH_FLAG = "\U0001f1eb\U0001f1f7"
E_ACUTE_DECOMPOSED = "e\u0301"
EMOJI = [
    FAMILY,
    FRENCH_FLAG,
    "\U0001f44d",  # thumbs up
    "\U0001f44d\U0001f3fd",  # thumbs up, medium skin tone
    "\U0001f469\U0001f3fd\u200d\U0001f4bb",  # woman technologist, medium skin tone
    "\U0001f3f3\ufe0f\u200d\U0001f308",  # rainbow flag
    "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England
    "\u2764\ufe0f",  # red heart, emoji style
    "\u2764\ufe0f\u200d\U0001f525",  # heart on fire
    "1\ufe0f\u20e3",  # keycap 1
    "#\u20e3",  # keycap #, unqualified
    "\u00a9\ufe0f",  # copyright sign, emoji style
    "\U0001f9d1\u200d\U0001f91d\u200d\U0001f9d1",  # people holding hands
]
URLS = [
    "https://example.com",
    "http://example.com",
    "example.com",
    "www.example.co.uk/about",
    "HTTPS://EXAMPLE.COM/PATH",
    "https://sub.domain.example.org:8443/a/b?c=d&e=f#top",
    "https://en.wikipedia.org/wiki/Bracket_(disambiguation)",
    "https://example.com/" + "x" * 1000,
    "https://example.com/?q=" + "y" * 4000,
]

# Hypothesis strategies -------------------------------------------------------------------

no_dot_ascii = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters=".")
)
cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
urls = st.builds(
    lambda scheme, labels, tld, path: f"{scheme}{'.'.join(labels)}.{tld}{path}",
    st.sampled_from(["https://", "http://", ""]),
    st.lists(st.from_regex(r"[a-z0-9]{1,20}", fullmatch=True), min_size=1, max_size=3),
    st.sampled_from(["com", "org", "io", "dev", "co.uk", "de"]),
    st.one_of(st.just(""), st.from_regex(r"/[a-z0-9_/-]{0,3000}[a-z0-9]", fullmatch=True)),
)
words = st.one_of(
    st.from_regex(r"[A-Za-z]{1,12}", fullmatch=True),
    st.text(cjk, min_size=1, max_size=5),
    st.sampled_from(EMOJI),
    urls,
)
posts = st.lists(words, max_size=40).map(" ".join)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# X: plain text -----------------------------------------------------------------------------


def test_280_ascii_characters_fit_and_281_do_not() -> None:
    assert x_weighted_length("a" * 280) == 280
    assert x_fits("a" * 280)
    assert not x_fits("a" * 281)


def test_cjk_characters_weigh_two_so_140_fill_a_post() -> None:
    assert x_weighted_length("\u65e5" * 140) == 280
    assert x_fits("\u65e5" * 140)
    assert not x_fits("\u65e5" * 141)


def test_japanese_with_latin_mixes_weights() -> None:
    assert x_weighted_length("OpenPost\u3067\u6295\u7a3f") == 8 + 3 * 2


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("\u00e9", 1),  # Latin-1
        ("\u0416", 1),  # Cyrillic
        ("\u2014", 1),  # em dash, general punctuation
        ("\u201c\u201d", 2),  # curly quotes
        ("\u2032", 1),  # prime
        ("\u2026", 2),  # ellipsis lies outside the light ranges
        ("\u20ac", 2),  # euro sign
        ("\uac00", 2),  # Hangul syllable
        ("\U0001d400", 2),  # mathematical bold A, outside the BMP
    ],
)
def test_light_ranges_count_one_and_the_rest_two(text: str, weight: int) -> None:
    assert x_weighted_length(text) == weight


@pytest.mark.parametrize(
    ("code_point", "weight"),
    [
        (4351, 1),
        (4352, 2),  # the first Hangul Jamo
        (8191, 2),
        (8192, 1),
        (8205, 1),
        (8206, 2),
        (8207, 2),
        (8208, 1),
        (8223, 1),
        (8224, 2),
        (8241, 2),
        (8242, 1),
        (8247, 1),
        (8248, 2),
    ],
)
def test_the_edges_of_the_light_ranges(code_point: int, weight: int) -> None:
    assert x_weighted_length(chr(code_point)) == weight


def test_text_is_normalized_before_counting() -> None:
    assert x_weighted_length(E_ACUTE_DECOMPOSED) == 1
    assert x_weighted_length("\u00e9") == 1


@pytest.mark.parametrize("blank", ["", " ", "\n\t  ", "\u3000"])
def test_blank_text_does_not_fit_x(blank: str) -> None:
    assert not x_fits(blank)


@pytest.mark.parametrize("invalid", ["\ufeff", "\ufffe", "\uffff"])
def test_text_with_a_character_x_refuses_does_not_fit(invalid: str) -> None:
    assert x_weighted_length("hello" + invalid) <= X_MAX_WEIGHTED
    assert not x_fits("hello" + invalid)


# X: URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", URLS)
def test_a_url_counts_23_whatever_its_length(url: str) -> None:
    assert x_weighted_length(url) == 23
    assert x_weighted_length(f"read {url} now") == 5 + 23 + 4


def test_trailing_punctuation_is_not_part_of_the_url() -> None:
    assert x_weighted_length("See example.com.") == 4 + 23 + 1
    assert x_weighted_length("https://example.com/post.") == 23 + 1
    assert x_weighted_length("https://example.com/post!") == 23 + 1
    assert x_weighted_length("(https://example.com/a)") == 1 + 23 + 1
    assert x_weighted_length("https://example.com/a?") == 23 + 1


@pytest.mark.parametrize(
    "text",
    [
        "user@example.com",  # an email address
        "@example.com",  # glued to @
        "#example.com",  # glued to #
        "x_example.com",  # glued to a word
        "localhost:8000",  # no top-level domain
        "example.notatld",
        "version 3.14",
    ],
)
def test_things_that_are_not_urls_count_by_character(text: str) -> None:
    assert x_weighted_length(text) == len(text)


def test_a_url_longer_than_4096_characters_counts_by_character() -> None:
    longest = "https://example.com/" + "a" * (X_MAX_URL_LENGTH - len("https://example.com/"))
    assert x_weighted_length(longest) == 23
    assert x_weighted_length(longest + "a") == X_MAX_URL_LENGTH + 1


def test_eleven_maximal_urls_fit_but_twelve_do_not() -> None:
    url = "https://example.com/" + "a" * (X_MAX_URL_LENGTH - len("https://example.com/"))
    assert x_fits(" ".join([url] * 11))  # 11 * 23 + 10 = 263, over 45,000 characters
    assert not x_fits(" ".join([url] * 12))  # 12 * 23 + 11 = 287


# X: emoji --------------------------------------------------------------------------------


@pytest.mark.parametrize("emoji", EMOJI)
def test_an_emoji_sequence_counts_two(emoji: str) -> None:
    assert x_weighted_length(emoji) == 2


def test_text_style_characters_are_not_emoji() -> None:
    assert x_weighted_length("\u00a9 2026") == 6  # copyright sign without emoji style
    assert x_weighted_length("\u263a\ufe0e") == 4  # text presentation asked for


def test_only_up_to_four_joined_pictographs_make_one_emoji() -> None:
    """Recommended ZWJ sequences join at most four pictographs (a family of four); a longer
    chain is a sequence of four, a lone joiner (1) and what follows."""
    assert x_weighted_length(FAMILY + "\u200d\U0001f466") == 2 + 1 + 2


def test_140_family_emoji_fill_a_post() -> None:
    assert x_fits(FAMILY * 140)
    assert not x_fits(FAMILY * 141)


# X: properties -----------------------------------------------------------------------------


@given(no_dot_ascii)
def test_ascii_without_a_url_weighs_its_length(text: str) -> None:
    assert x_weighted_length(text) == len(text)


@given(st.lists(st.one_of(st.from_regex(r"[a-z ]", fullmatch=True), cjk)).map("".join))
def test_latin_weighs_one_and_cjk_two(text: str) -> None:
    ideographs = sum(1 for char in text if "\u4e00" <= char <= "\u9fff")
    assert x_weighted_length(text) == len(text) + ideographs


@given(st.text(), st.text())
def test_texts_joined_by_a_space_weigh_their_sum_plus_one(left: str, right: str) -> None:
    joined = x_weighted_length(left + " " + right)
    assert joined == x_weighted_length(left) + 1 + x_weighted_length(right)


@given(st.lists(st.sampled_from(EMOJI), min_size=1, max_size=50))
def test_adjacent_emoji_count_two_each(emoji: list[str]) -> None:
    assert x_weighted_length("".join(emoji)) == 2 * len(emoji)


@given(urls)
def test_any_url_counts_23(url: str) -> None:
    assert x_weighted_length(url) == 23


@given(posts)
def test_no_text_is_denser_than_a_url(text: str) -> None:
    """The bound `x_fits` uses to refuse huge texts without weighing them."""
    assert x_weighted_length(text) * X_MAX_URL_LENGTH >= 23 * len(nfc(text))


@given(posts)
def test_fits_means_readable_valid_and_at_most_280(text: str) -> None:
    assert x_fits(text) == (bool(text.strip()) and x_weighted_length(text) <= X_MAX_WEIGHTED)


@given(st.text().filter(lambda t: "." not in t))
def test_without_urls_every_grapheme_weighs_at_least_one(text: str) -> None:
    assert x_weighted_length(text) >= bluesky_graphemes(nfc(text))


@given(st.text().filter(lambda t: "." not in t))
def test_without_urls_no_character_weighs_more_than_two(text: str) -> None:
    assert x_weighted_length(text) <= 2 * len(nfc(text))


# Bluesky ---------------------------------------------------------------------------------


def test_300_characters_fit_bluesky_and_301_do_not() -> None:
    assert bluesky_fits("a" * BLUESKY_MAX_GRAPHEMES)
    assert not bluesky_fits("a" * (BLUESKY_MAX_GRAPHEMES + 1))


@pytest.mark.parametrize(
    "grapheme", [E_ACUTE_DECOMPOSED, FRENCH_FLAG, FAMILY, "\U0001f44d\U0001f3fd", "\uac00"]
)
def test_what_a_reader_sees_as_one_character_is_one_grapheme(grapheme: str) -> None:
    assert bluesky_graphemes(grapheme) == 1
    assert bluesky_graphemes(grapheme * 3) == 3


def test_two_flags_are_two_graphemes() -> None:
    assert bluesky_graphemes(FRENCH_FLAG + "\U0001f1e9\U0001f1ea") == 2


def test_300_cjk_characters_fit_bluesky() -> None:
    assert bluesky_fits("\u65e5" * 300)  # 900 bytes


def test_300_graphemes_over_3000_bytes_do_not_fit_bluesky() -> None:
    text = FAMILY * 300  # 300 graphemes, 7,500 bytes
    assert bluesky_graphemes(text) == 300
    assert not bluesky_fits(text)


@pytest.mark.parametrize("blank", ["", " ", "\n\n", "\u3000"])
def test_blank_text_does_not_fit_bluesky(blank: str) -> None:
    assert not bluesky_fits(blank)


@given(st.from_regex(r"[a-z]", fullmatch=True), st.text(st.characters(categories=["Mn"])))
def test_a_letter_with_any_combining_marks_is_one_grapheme(letter: str, marks: str) -> None:
    assert bluesky_graphemes(letter + marks) == 1


@given(st.text().filter(lambda t: not t.endswith("\r")), st.text())
def test_lines_count_separately(first: str, second: str) -> None:
    joined = bluesky_graphemes(first + "\n" + second)
    assert joined == bluesky_graphemes(first) + 1 + bluesky_graphemes(second)


@given(st.text())
def test_graphemes_never_outnumber_code_points(text: str) -> None:
    assert bluesky_graphemes(text) <= len(text)
    assert (bluesky_graphemes(text) == 0) == (text == "")


@given(st.text(max_size=400))
def test_fits_bluesky_means_readable_short_and_small(text: str) -> None:
    expected = (
        bool(text.strip())
        and bluesky_graphemes(text) <= BLUESKY_MAX_GRAPHEMES
        and len(text.encode("utf-8", "surrogatepass")) <= BLUESKY_MAX_BYTES
    )
    assert bluesky_fits(text) == expected
