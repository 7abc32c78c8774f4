"""Rendered answers are given back only for the revision they were rendered at, and the
bodies kept never pass the byte budget."""

from __future__ import annotations

from uuid import UUID, uuid4

from hypothesis import given
from hypothesis import strategies as st

from application.ports.revisions import IntegrationRevisions
from entrypoints.http.rendered import RenderedAnswers


class Revisions(IntegrationRevisions):
    """A revision the test moves by hand; counts its reads."""

    def __init__(self) -> None:
        self.current, self.reads = 1, 0

    async def of_workspace(self, workspace_id: UUID) -> int:
        self.reads += 1
        return self.current


REVISIONS = Revisions()


def test_an_answer_is_given_back_for_its_own_revision_only() -> None:
    answers = RenderedAnswers(1000, REVISIONS)
    answers.put("k", 7, b"seven")
    assert answers.get("k", 7) == b"seven"
    assert answers.get("k", 8) is None
    assert answers.get("other", 7) is None


def test_a_newer_rendering_replaces_the_older() -> None:
    answers = RenderedAnswers(1000, REVISIONS)
    answers.put("k", 1, b"one")
    answers.put("k", 2, b"two!")
    assert answers.get("k", 1) is None
    assert answers.get("k", 2) == b"two!"
    assert (len(answers), answers.size) == (1, 4)


def test_the_oldest_answers_go_first_when_the_budget_is_spent() -> None:
    answers = RenderedAnswers(10, REVISIONS)
    answers.put("a", 1, b"aaaa")
    answers.put("b", 1, b"bbbb")
    answers.put("c", 1, b"cccc")
    assert answers.get("a", 1) is None
    assert (answers.get("b", 1), answers.get("c", 1)) == (b"bbbb", b"cccc")


def test_a_body_larger_than_the_budget_is_not_kept() -> None:
    answers = RenderedAnswers(3, REVISIONS)
    answers.put("k", 1, b"four")
    assert answers.get("k", 1) is None
    assert answers.size == 0


def test_a_zero_budget_keeps_nothing() -> None:
    answers = RenderedAnswers(0, REVISIONS)
    answers.put("k", 1, b"x")
    assert (answers.get("k", 1), len(answers)) == (None, 0)


@given(
    st.integers(0, 64),
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3), st.binary(max_size=20))),
)
def test_the_budget_holds_and_the_last_kept_rendering_is_the_one_given(
    budget: int, puts: list[tuple[int, int, bytes]]
) -> None:
    answers = RenderedAnswers(budget, REVISIONS)
    last: dict[int, tuple[int, bytes]] = {}
    for key, revision, body in puts:
        answers.put(key, revision, body)
        last[key] = (revision, body)
        assert answers.size <= budget
    for key, (revision, body) in last.items():
        assert answers.get(key, revision) in (body, None)  # kept as put, or evicted
        assert answers.get(key, revision + 1) is None


async def test_answer_renders_once_per_revision_and_reads_none_without_a_budget() -> None:
    revisions, rendered, workspace = Revisions(), 0, uuid4()

    async def render() -> bytes:
        nonlocal rendered
        rendered += 1
        return f"render {rendered}".encode()

    answers = RenderedAnswers(100, revisions)
    assert await answers.answer("k", workspace, render) == b"render 1"
    assert await answers.answer("k", workspace, render) == b"render 1"
    revisions.current = 2
    assert await answers.answer("k", workspace, render) == b"render 2"
    assert (rendered, revisions.reads) == (2, 3)

    off = RenderedAnswers(0, revisions)
    assert await off.answer("k", workspace, render) == b"render 3"
    assert revisions.reads == 3
