"""Liveness and readiness, for load balancers and orchestrators (no API key)."""

from dishka import FromDishka
from litestar import get
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from application.errors import DatabaseUnavailable
from entrypoints.http.inject import inject_app
from entrypoints.http.openapi import ADDRESS_LIMITED
from entrypoints.http.schemas import ErrorBody, Health


@get(
    "/healthz",
    include_in_schema=True,
    tags=["Health"],
    summary="Liveness",
    responses=ADDRESS_LIMITED,
)
async def healthz() -> Health:
    return Health(status="ok")


@get(
    "/readyz",
    tags=["Health"],
    summary="Readiness: the database answers",
    responses={
        **ADDRESS_LIMITED,
        503: ResponseSpec(
            data_container=ErrorBody,
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
