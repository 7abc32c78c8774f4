from datetime import UTC, datetime
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidMediaInput
from domain.media import Media, MediaFacts, MediaKind, StoredBytes

NOW = datetime(2026, 4, 17, 13, 0, tzinfo=UTC)


def make(kind: MediaKind = MediaKind.IMAGE, alt_text: str | None = None) -> Media:
    facts = MediaFacts(kind, "image/png", 10, 20, 5000)
    return Media.create(
        id=uuid4(),
        workspace_id=uuid4(),
        facts=facts,
        stored=StoredBytes(123, "ab" * 32),
        alt_text=alt_text,
        now=NOW,
    )


@given(st.text(max_size=1000))
def test_alt_text_up_to_1000_characters_is_kept(text: str) -> None:
    media = make(alt_text=text)
    assert media.alt_text == text


@given(
    st.integers(1001, 5000).flatmap(
        lambda n: st.text(min_size=1, max_size=5).map(lambda t: (t * n)[:n])
    )
)
def test_longer_alt_text_is_refused_and_the_old_one_stays(text: str) -> None:
    with pytest.raises(InvalidMediaInput) as refused:
        make(alt_text=text)
    assert refused.value.details["field"] == "alt_text"
    media = make(alt_text="before")
    with pytest.raises(InvalidMediaInput):
        media.describe(text)
    assert media.alt_text == "before"


def test_only_a_video_has_a_duration() -> None:
    assert make(MediaKind.IMAGE).duration_ms is None
    assert make(MediaKind.VIDEO).duration_ms == 5000


def test_the_storage_key_is_scoped_to_the_workspace() -> None:
    media = make()
    assert media.storage_key == f"{media.workspace_id}/{media.id}"
