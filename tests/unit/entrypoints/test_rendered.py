"""Rendered answers are given back only for the revision they were rendered at, and the
bodies kept never pass the byte budget."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from entrypoints.http.rendered import RenderedAnswers


def test_an_answer_is_given_back_for_its_own_revision_only() -> None:
    answers = RenderedAnswers(max_bytes=1000)
    answers.put("k", 7, b"seven")
    assert answers.get("k", 7) == b"seven"
    assert answers.get("k", 8) is None
    assert answers.get("other", 7) is None


def test_a_newer_rendering_replaces_the_older() -> None:
    answers = RenderedAnswers(max_bytes=1000)
    answers.put("k", 1, b"one")
    answers.put("k", 2, b"two!")
    assert answers.get("k", 1) is None
    assert answers.get("k", 2) == b"two!"
    assert (len(answers), answers.size) == (1, 4)


def test_the_oldest_answers_go_first_when_the_budget_is_spent() -> None:
    answers = RenderedAnswers(max_bytes=10)
    answers.put("a", 1, b"aaaa")
    answers.put("b", 1, b"bbbb")
    answers.put("c", 1, b"cccc")
    assert answers.get("a", 1) is None
    assert (answers.get("b", 1), answers.get("c", 1)) == (b"bbbb", b"cccc")


def test_a_body_larger_than_the_budget_is_not_kept() -> None:
    answers = RenderedAnswers(max_bytes=3)
    answers.put("k", 1, b"four")
    assert answers.get("k", 1) is None
    assert answers.size == 0


def test_a_zero_budget_keeps_nothing() -> None:
    answers = RenderedAnswers(max_bytes=0)
    answers.put("k", 1, b"x")
    assert (answers.get("k", 1), len(answers)) == (None, 0)


@given(
    st.integers(0, 64),
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3), st.binary(max_size=20))),
)
def test_the_budget_holds_and_the_last_kept_rendering_is_the_one_given(
    budget: int, puts: list[tuple[int, int, bytes]]
) -> None:
    answers = RenderedAnswers(max_bytes=budget)
    last: dict[int, tuple[int, bytes]] = {}
    for key, revision, body in puts:
        answers.put(key, revision, body)
        last[key] = (revision, body)
        assert answers.size <= budget
    for key, (revision, body) in last.items():
        assert answers.get(key, revision) in (body, None)  # kept as put, or evicted
        assert answers.get(key, revision + 1) is None


async def test_answer_renders_once_per_revision_and_reads_none_without_a_budget() -> None:
    revision, rendered, revision_reads = 1, 0, 0

    async def current() -> int:
        nonlocal revision_reads
        revision_reads += 1
        return revision

    async def render() -> bytes:
        nonlocal rendered
        rendered += 1
        return f"render {rendered}".encode()

    answers = RenderedAnswers(max_bytes=100)
    assert await answers.answer("k", current, render) == b"render 1"
    assert await answers.answer("k", current, render) == b"render 1"
    revision = 2
    assert await answers.answer("k", current, render) == b"render 2"
    assert (rendered, revision_reads) == (2, 3)

    off = RenderedAnswers(max_bytes=0)
    assert await off.answer("k", current, render) == b"render 3"
    assert revision_reads == 3
