"""The root, liveness and readiness: for people and load balancers (no API key)."""

import msgspec
from dishka import FromDishka
from litestar import get
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from application.errors import DatabaseUnavailable
from entrypoints.http.inject import inject_app
from entrypoints.http.openapi import ADDRESS_LIMITED
from entrypoints.http.schemas import Error, Health


class Index(msgspec.Struct):
    """Where to go from the root: the API's documentation and its health routes."""

    name: str
    docs: str
    openapi: str
    health: str
    ready: str


INDEX = Index(
    name="OpenPost Integrations API",
    docs="/schema",
    openapi="/schema/openapi.json",
    health="/healthz",
    ready="/readyz",
)


@get("/", tags=["Health"], summary="Where the docs and health routes are", operation_id="getIndex")
async def index() -> Index:
    return INDEX


@get(
    "/healthz",
    include_in_schema=True,
    tags=["Health"],
    summary="Liveness",
    operation_id="checkLiveness",
    responses=ADDRESS_LIMITED,
)
async def healthz() -> Health:
    return Health(status="ok")


@get(
    "/readyz",
    tags=["Health"],
    summary="Readiness: the database answers",
    operation_id="checkReadiness",
    responses={
        **ADDRESS_LIMITED,
        503: ResponseSpec(
            data_container=Error,
            description="The database is unavailable (database_unavailable)",
            generate_examples=False,
        )
    },
)
@inject_app
async def readyz(engine: FromDishka[AsyncEngine]) -> Health:
    """Any failure of the probe is the database's: the error table answers 503."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        raise DatabaseUnavailable from None
    return Health(status="ok")
