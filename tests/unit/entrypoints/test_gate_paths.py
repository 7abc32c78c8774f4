"""The gate's idea of an API path is the router's: every spelling Litestar routes under
/v1 is checked for a key, and nothing else is."""

from __future__ import annotations

import pytest
from litestar.utils import normalize_path

from entrypoints.http.gate import is_api_path

PATHS = [
    "/v1", "/v1/", "/v1/integrations", "//v1/integrations", "/v1//posts/", "///v1",
    "/v1x", "/v10/integrations", "/healthz", "//healthz", "/", "", "/schema/openapi.json",
    "/api/platforms/twitter/callback", "/v1/../healthz", "/x/../v1/integrations",
]  # fmt: skip


@pytest.mark.parametrize("path", PATHS)
def test_a_path_is_an_api_path_when_the_router_routes_it_under_v1(path: str) -> None:
    routed = normalize_path(path)
    assert is_api_path(path) == (routed == "/v1" or routed.startswith("/v1/"))
