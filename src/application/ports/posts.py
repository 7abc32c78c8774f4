from abc import abstractmethod
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.post import Post, PostStatus
from domain.post_target import PostTarget


@dataclass(frozen=True, slots=True)
class PostFilter:
    workspace_id: UUID
    status: PostStatus | None = None
    integration_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class PartProgress:
    """A thread's part published, as written onto its target's row: the part (`index`) is
    published with these ids, the first part's are the target's own too, and the lease
    runs to `lease_expires_at`. It applies only while the target is publishing under the
    claim that sent it (`attempt`, its attempts count) and stores that part."""

    target_id: UUID
    attempt: int
    index: int
    platform_post_id: str
    url: str
    cid: str | None
    lease_expires_at: datetime
    at: datetime


class PostRepository(Protocol):
    """Posts with their targets, always read whole. Targets keep the order they were
    created in."""

    @abstractmethod
    async def add(self, post: Post) -> None: ...

    @abstractmethod
    async def save(self, post: Post) -> None:
        """Writes the post and every one of its targets."""

    @abstractmethod
    async def save_many(self, posts: Sequence[Post]) -> None:
        """`save` for each post, in as few statements as the store allows."""

    @abstractmethod
    async def get(
        self, workspace_id: UUID, post_id: UUID, *, for_update: bool = False
    ) -> Post | None:
        """`for_update` locks the post's targets, then the post, until the unit of work
        ends, so an edit, a cancel, a claim and a recorded outcome never interleave."""

    @abstractmethod
    async def get_any(self, post_id: UUID, *, for_update: bool = False) -> Post | None:
        """Unscoped read, for the publisher, which acts for every workspace."""

    @abstractmethod
    async def get_many(self, post_ids: Collection[UUID], *, for_update: bool = False) -> list[Post]:
        """Unscoped, like `get_any`: those of `post_ids` that exist, in one read; with
        `for_update`, locked as `get` locks one (the publisher records many outcomes per
        transaction)."""

    @abstractmethod
    async def get_targets(
        self, target_ids: Collection[UUID], *, for_update: bool = False
    ) -> list[PostTarget]:
        """Those of `target_ids` that exist, without their posts, in one read; with
        `for_update`, only these targets' rows are locked (not their posts, nor the posts'
        other targets): a thread's part recorded touches nothing else."""

    @abstractmethod
    async def write_parts(self, progress: Sequence[PartProgress]) -> set[UUID]:
        """Writes each part's progress onto its target's row without reading and rebuilding
        the target (its other parts stay as stored), where it applies (`PartProgress`);
        the rows are locked as `get_targets(for_update=True)` locks them. Returns the
        targets written; the others are the caller's to record through the entity."""

    @abstractmethod
    async def save_targets(self, targets: Sequence[PostTarget]) -> None:
        """Writes these targets' own rows and nothing else."""

    @abstractmethod
    async def list(
        self, where: PostFilter, limit: int, starting_after: Post | None = None
    ) -> list[Post]:
        """Newest `created_at` first, ties by id descending; at most `limit` posts after the
        cursor in that order. The status filter is the derived status."""


class PartWriter(Protocol):
    """Writes parts' progress as `PostRepository.write_parts` does, in a transaction of its
    own: where a store can do that more cheaply than through a unit of work."""

    @abstractmethod
    async def write_parts(self, progress: Sequence[PartProgress]) -> set[UUID]:
        """Returns the targets written; the others are the caller's to record."""
