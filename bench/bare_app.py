"""The framework's ceiling: a bare Litestar app answering the service's own JSON bytes for
the same routes (and `POST /v1/posts` with a created post's, as a 201), with no
authentication and no database, under the same HTTP server settings and event loop as
`openpost serve`.

`python -m bench.bare_app --port P --bodies FILE` where FILE maps a route to its body.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import uvicorn
from litestar import Litestar, MediaType, Request, get, post

from entrypoints.runtime import http_config, run_async

LIST = "/v1/integrations"
GET = "/v1/integrations/{integration_id:str}"
NEXT_SLOT = "/v1/integrations/{integration_id:str}/next-slot"
POSTS = "/v1/posts"


def create_bare_app(bodies: dict[str, bytes]) -> Litestar:
    """Routes for the bodies given. `GET /v1/posts` answers the body given for its
    `?status=` (key `GET /v1/posts?status=failed`) when there is one, else its own (key
    `GET /v1/posts`); `POST /v1/posts` the body of key `/v1/posts`."""
    empty = b"{}"
    list_body, get_body = bodies.get(LIST, empty), bodies.get(GET, empty)
    slot_body = bodies.get(NEXT_SLOT, empty)
    created_body = bodies.get(POSTS, empty)
    listed = "GET " + POSTS
    posts_bodies = {
        k.partition("?status=")[2] or None: v for k, v in bodies.items() if k.startswith(listed)
    }

    @get(LIST, media_type=MediaType.JSON)
    async def list_integrations() -> bytes:
        return list_body

    @get(GET, media_type=MediaType.JSON)
    async def get_integration(integration_id: str) -> bytes:
        return get_body

    @get(NEXT_SLOT, media_type=MediaType.JSON)
    async def next_slot(integration_id: str) -> bytes:
        return slot_body

    @post(POSTS, media_type=MediaType.JSON, status_code=201)
    async def create_post(request: Request[Any, Any, Any]) -> bytes:
        await request.body()  # received whole, as the service does
        return created_body

    @get(POSTS, media_type=MediaType.JSON)
    async def list_posts(status: str | None = None) -> bytes:
        return posts_bodies.get(status) or posts_bodies.get(None, empty)

    @get("/readyz", media_type=MediaType.JSON)
    async def readyz() -> bytes:
        return b'{"status":"ok"}'

    return Litestar(
        route_handlers=[
            list_integrations, get_integration, next_slot, create_post, list_posts, readyz
        ],
        debug=False,
        logging_config=None,
        openapi_config=None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_app")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bodies", type=Path, required=True)
    args = parser.parse_args()
    bodies = {k: v.encode() for k, v in json.loads(args.bodies.read_text()).items()}
    server = uvicorn.Server(http_config(create_bare_app(bodies), "127.0.0.1", args.port))
    run_async(server.serve())


if __name__ == "__main__":
    main()
