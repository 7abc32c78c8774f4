"""BCP 47 language tags for Bluesky's `langs`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.languages import MAX_LANGS, InvalidLanguageTag, normalize_langs, standard_tag


@pytest.mark.parametrize(
    ("tag", "standard"),
    [
        ("en", "en"),
        ("pt-BR", "pt-BR"),
        ("en-us", "en-US"),
        ("zh-Hant-TW", "zh-Hant-TW"),
        ("de-CH-1996", "de-CH-1996"),
        ("ja-JP-u-ca-japanese", "ja-JP-u-ca-japanese"),
        ("iw", "he"),
    ],
)
def test_valid_tags_in_their_standard_form(tag: str, standard: str) -> None:
    assert standard_tag(tag) == standard


@pytest.mark.parametrize(
    "tag", ["", "xx", "en_US", "en--US", "en-", "-en", "english", "e", "en US", "zz-ZZ", "a" * 40]
)
def test_invalid_tags(tag: str) -> None:
    assert standard_tag(tag) is None


def test_at_most_three_and_no_repeats() -> None:
    assert normalize_langs(["en", "pt-BR", "ja"]) == ("en", "pt-BR", "ja")
    with pytest.raises(InvalidLanguageTag) as too_many:
        normalize_langs(["en", "pt", "ja", "de"])
    assert too_many.value.index == -1
    with pytest.raises(InvalidLanguageTag) as repeated:
        normalize_langs(["en-US", "en-us"])
    assert repeated.value.index == 1
    with pytest.raises(InvalidLanguageTag) as invalid:
        normalize_langs(["en", "klingon!"])
    assert invalid.value.index == 1


@given(st.lists(st.text(max_size=20), max_size=5))
def test_any_input_is_normalized_or_refused_with_an_index(tags: list[str]) -> None:
    try:
        normalized = normalize_langs(tags)
    except InvalidLanguageTag as error:
        assert -1 <= error.index < len(tags)
        return
    assert len(normalized) == len(tags) <= MAX_LANGS
    assert normalize_langs(normalized) == normalized  # the standard form is stable
