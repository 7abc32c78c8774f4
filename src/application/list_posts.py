from dataclasses import dataclass
from uuid import UUID

from application.errors import InvalidCursor
from application.pagination import Page, page_of
from application.ports.posts import PostFilter
from application.ports.unit_of_work import ReadOnlyUnitOfWorkFactory
from domain.post import Post, PostStatus


@dataclass(frozen=True, slots=True)
class ListPostsQuery:
    workspace_id: UUID
    status: PostStatus | None = None
    integration_id: UUID | None = None
    limit: int = 20
    starting_after: UUID | None = None


class ListPosts:
    """The workspace's posts in every status unless one is asked for, newest first.

    Lives as long as the process: each call opens its own read-only unit of work."""

    def __init__(self, uow_factory: ReadOnlyUnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    async def execute(self, query: ListPostsQuery) -> Page[Post]:
        where = PostFilter(query.workspace_id, query.status, query.integration_id)
        async with self.uow_factory() as uow:
            cursor = None
            if query.starting_after is not None:
                cursor = await uow.posts.get(query.workspace_id, query.starting_after)
                if cursor is None:
                    raise InvalidCursor(str(query.starting_after))
            rows = await uow.posts.list(where, query.limit + 1, cursor)
        return page_of(rows, query.limit)
