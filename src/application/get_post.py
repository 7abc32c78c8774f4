from uuid import UUID

from application.errors import NotFound
from application.ports.unit_of_work import ReadOnlyUnitOfWork
from domain.post import Post


class GetPost:
    """One post of the caller's workspace, in any status."""

    def __init__(self, uow: ReadOnlyUnitOfWork) -> None:
        self.uow = uow

    async def execute(self, workspace_id: UUID, post_id: UUID) -> Post:
        async with self.uow:
            post = await self.uow.posts.get(workspace_id, post_id)
        if post is None:
            raise NotFound(str(post_id))
        return post
