"""Providers for posts: the request use cases of /v1/posts, and the guard the
`Idempotency-Key` layer shares."""

from __future__ import annotations

from datetime import timedelta

from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.cancel_post import CancelPost
from application.create_post import CreatePost
from application.get_post import GetPost
from application.idempotency import IdempotencyGuard
from application.list_posts import ListPosts
from application.ports.clock import Clock
from application.ports.revisions import PostRevisions
from application.ports.token_cipher import TokenCipher
from application.ports.unit_of_work import UnitOfWork
from application.update_post import UpdatePost
from entrypoints.http.rendered import RenderedPosts
from entrypoints.settings import Settings


class PostProvider(Provider):
    scope = Scope.REQUEST

    create_post = provide(CreatePost)
    # A hot read: lives as long as the process (each call opens its own unit of work).
    list_posts = provide(ListPosts, scope=Scope.APP)
    get_post = provide(GetPost)
    update_post = provide(UpdatePost)
    cancel_post = provide(CancelPost)

    @provide(scope=Scope.APP)
    def rendered_posts(self, settings: Settings, revisions: PostRevisions) -> RenderedPosts:
        """Pages of the posts listing kept as bytes while the workspace's posts revision
        holds."""
        return RenderedPosts(settings.read_cache_bytes, revisions)

    @provide(scope=Scope.APP)
    def idempotency(
        self, engine: AsyncEngine, cipher: TokenCipher, clock: Clock, settings: Settings
    ) -> IdempotencyGuard:
        """Every unit of the guard is a single statement (`take`'s fast path) or statements
        each of which stands alone (a compare-and-swap): on PostgreSQL they run without a
        transaction, one round trip each instead of three."""
        abandoned_after = timedelta(seconds=settings.idempotency_abandoned_after_s)

        def factory() -> UnitOfWork:
            return SqlAlchemyUnitOfWork(engine, cipher, clock, statementwise=True)

        return IdempotencyGuard(factory, clock, abandoned_after)
