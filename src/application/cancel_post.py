from uuid import UUID

from application.errors import NotFound
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from domain.post import Post


class CancelPost:
    """Cancels a draft or scheduled post (every target canceled); 409 once publishing or
    finished. Nothing is ever deleted at a platform."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    async def execute(self, workspace_id: UUID, post_id: UUID) -> Post:
        now = self.clock.now()
        async with self.uow:
            post = await self.uow.posts.get(workspace_id, post_id, for_update=True)
            if post is None:
                raise NotFound(str(post_id))
            post.cancel(now)
            await self.uow.posts.save(post)
            await self.uow.commit()
        return post
