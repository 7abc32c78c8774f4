"""Documented error answers, so the OpenAPI document lists what each route can return."""

from litestar.openapi.datastructures import ResponseSpec

from entrypoints.http.schemas import ErrorBody

_DESCRIPTIONS = {
    400: "Malformed request (invalid_json)",
    401: "Invalid API key (invalid_api_key)",
    404: "No such resource in this workspace (not_found)",
    405: "Method not allowed (method_not_allowed)",
    409: "State conflict (see code)",
    413: "Body too large (payload_too_large)",
    422: "Invalid input (validation_error or a named code)",
    429: "Rate limited (rate_limited, platform_rate_limited)",
    502: "The platform failed (platform_unavailable_upstream)",
    503: "Unavailable (database_unavailable, platform_not_configured)",
}


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """Every /v1 route can answer 401, 422 (bad query) and 503 (database); add the rest."""
    every = {401, 503, *statuses}
    return {
        status: ResponseSpec(data_container=ErrorBody, description=_DESCRIPTIONS[status])
        for status in sorted(every)
    }
