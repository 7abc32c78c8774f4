"""Answers already rendered to JSON bytes, each kept with the revision of the workspace's
integrations it was rendered from (the `IntegrationRevisions` port, given by the composition
root). A request reads the current revision (one indexed row), and when it equals
the kept one the bytes are the answer: the same bytes a fresh read would render, since
nothing it depends on has been written since. Any write, by any process, moves the
revision on and the next request renders afresh. So the cache is never stale; it only
saves the read of the rows and their rendering, which are most of a listing's cost. The
use cases behind the answers know nothing of it: this is the edge's decorator around them.

Bounded by the total size of the kept bodies; the oldest kept answer goes first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any
from uuid import UUID

from application.ports.revisions import IntegrationRevisions, PostRevisions


class RenderedAnswers:
    def __init__(self, max_bytes: int, revisions: IntegrationRevisions | PostRevisions) -> None:
        self.max_bytes = max_bytes
        self.revisions = revisions
        self._kept: dict[Hashable, tuple[int, bytes]] = {}
        self._size = 0

    async def answer(
        self,
        key: Hashable,
        workspace_id: UUID,
        render: Callable[[], Awaitable[bytes]],
    ) -> bytes:
        """The bytes kept for `key` at the current revision of the workspace's integrations,
        or `render()`'s, then kept. The revision is read before rendering, so what is kept is
        at least that new; with no budget it is not read at all."""
        if self.max_bytes <= 0:
            return await render()
        current = await self.revisions.of_workspace(workspace_id)
        body = self.get(key, current)
        if body is None:
            body = await render()
            self.put(key, current, body)
        return body

    def get(self, key: Hashable, revision: int) -> bytes | None:
        kept = self._kept.get(key)
        if kept is None or kept[0] != revision:
            return None
        return kept[1]

    def put(self, key: Hashable, revision: int, body: bytes) -> None:
        old = self._kept.pop(key, None)
        if old is not None:
            self._size -= len(old[1])
        if len(body) > self.max_bytes:
            return
        while self._kept and self._size + len(body) > self.max_bytes:
            oldest = next(iter(self._kept))
            self._size -= len(self._kept.pop(oldest)[1])
        self._kept[key] = (revision, body)
        self._size += len(body)

    def __len__(self) -> int:
        return len(self._kept)

    @property
    def size(self) -> int:
        """The bytes of the bodies kept."""
        return self._size


class RenderedPosts(RenderedAnswers):
    """The same, for pages of the posts listing, kept per revision of the workspace's posts
    (the `PostRevisions` port): a budget of its own, so that a busy listing of posts never
    pushes out the integrations' answers."""

    def __init__(self, max_bytes: int, revisions: PostRevisions) -> None:
        super().__init__(max_bytes, revisions)


class JsonAnswer:
    """A 200 of JSON bytes already rendered, sent as they are: an ASGI application, which
    Litestar passes through untouched when a handler returns one (a route annotated to
    return an async callable), so no `Response` and its header structures are built. The
    route documents its body with a 200 entry in `responses`."""

    __slots__ = ("body",)

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(self.body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": self.body})
