from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    has_more: bool


def page_of(rows: list[T], limit: int) -> Page[T]:
    """Rows fetched with `limit + 1`: the extra row only says there is more."""
    return Page(items=rows[:limit], has_more=len(rows) > limit)
