"""Documented error answers, so the OpenAPI document lists what each route can return."""

from typing import Any

from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Components, SecurityScheme

from entrypoints.http.schemas import Error

_DESCRIPTIONS = {
    400: "Malformed request (invalid_json)",
    401: "Invalid API key (invalid_api_key)",
    404: "No such resource in this workspace (not_found)",
    405: "Method not allowed (method_not_allowed)",
    409: "State conflict (see code)",
    413: "Body too large (payload_too_large)",
    415: "Unsupported media type (unsupported_media_type)",
    416: "Range not satisfiable (range_not_satisfiable)",
    422: "Invalid input (validation_error or a named code)",
    429: "Rate limited (rate_limited, platform_rate_limited, too_many_attempts)",
    502: "The platform failed (platform_unavailable_upstream)",
    503: "Unavailable (database_unavailable, platform_not_configured)",
}


# What any /v1 route can answer: a malformed request (this also replaces the framework's
# own 400 schema, which is not our envelope), a bad key, our rate limit, the database gone.
EVERY_ROUTE = (400, 401, 429, 503)
# What any POST can answer besides: an Idempotency-Key reused or in use (409), a body over
# MAX_BODY_BYTES (413), a bad field or Idempotency-Key (422).
EVERY_POST = (409, 413, 422)


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """The error answers of a /v1 route: those of every route, and the ones named."""
    every = {*EVERY_ROUTE, *statuses}
    return {
        status: ResponseSpec(
            data_container=Error,
            description=_DESCRIPTIONS[status],
            generate_examples=False,  # random examples would change the document every start
        )
        for status in sorted(every)
    }


# What a route without an API key can answer besides its own: its address over budget.
ADDRESS_LIMITED = {
    429: ResponseSpec(
        data_container=Error,
        description="Too many unauthenticated requests from this address (rate_limited)",
        generate_examples=False,
    )
}


def answers(body: type[Any]) -> dict[int, ResponseSpec]:
    """The 200 of a route that returns its JSON as a ready ASGI answer (`JsonAnswer`)."""
    return {
        200: ResponseSpec(
            data_container=body,
            description="Request fulfilled, document follows",
            generate_examples=False,
        )
    }


BEARER = "ApiKey"
# The scheme every /v1 route declares (`security = API_KEY` on its controller).
SECURITY_COMPONENTS = Components(
    security_schemes={
        BEARER: SecurityScheme(
            type="http",
            scheme="bearer",
            description="A workspace API key: `Authorization: Bearer op_live_...` (or op_test_).",
        )
    }
)
API_KEY: list[dict[str, list[str]]] = [{BEARER: []}]
