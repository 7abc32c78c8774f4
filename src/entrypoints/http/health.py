from typing import Any

from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from entrypoints.http.schemas import ErrorBody, Health


@get("/healthz", include_in_schema=True, tags=["Health"], summary="Liveness")
async def healthz() -> Health:
    return Health(status="ok")


@get(
    "/readyz",
    tags=["Health"],
    summary="Readiness: the database answers",
    responses={
        503: ResponseSpec(
            data_container=ErrorBody,
            description="The database is unavailable (database_unavailable)",
            generate_examples=False,
        )
    },
)
async def readyz(request: Request[Any, Any, Any]) -> Response[Health]:
    engine: AsyncEngine = request.app.state.engine
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        return Response(
            ErrorBody(
                error="The database is unavailable.",
                code="database_unavailable",
                request_id=request.scope.get("openpost.request_id"),  # type: ignore[arg-type]
            ),
            status_code=503,
        )
    return Response(Health(status="ok"))
