"""The API reference page at /schema: Swagger UI from the pinned `swagger-ui-bundle`
package, served by the app itself under /schema/assets/. Nothing is loaded from another
origin (the page works offline and a CDN cannot change it), and no inline script runs:
the page names the document in a data attribute that our own script reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.params import FromPath
from litestar.router import Router

ASSETS = "/assets"
_INIT_JS = b"""window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: root.dataset.openapiUrl, dom_id: "#swagger-ui" });
});
"""
_MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
_VENDORED = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")
# The page's own policy: scripts and styles from this origin only; Swagger UI sets style
# attributes and draws icons as data: images; "Try it out" calls this origin.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)


def _vendor_dir() -> Path:
    import swagger_ui_bundle

    return Path(str(swagger_ui_bundle.swagger_ui_path))


class LocalSwaggerRenderPlugin(OpenAPIRenderPlugin):
    def __init__(self) -> None:
        super().__init__(path="/swagger", favicon="", style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        base = self.get_openapi_json_route(request).rsplit("/", 1)[0] + ASSETS
        document = self.get_openapi_json_route(request)
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>OpenPost Integrations API</title>"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="icon" type="image/png" href="{base}/favicon-32x32.png">'
            f'<link rel="stylesheet" href="{base}/swagger-ui.css"></head><body>'
            f'<div id="swagger-ui" data-openapi-url="{document}"></div>'
            f'<script src="{base}/swagger-ui-bundle.js"></script>'
            f'<script src="{base}/init.js"></script></body></html>'
        ).encode()

    def receive_router(self, router: Router) -> None:
        router.register(docs_asset)


@get(f"{ASSETS}/{{name:str}}", include_in_schema=False, sync_to_thread=False)
def docs_asset(name: FromPath[str]) -> Response[bytes]:
    """Only the named files: nothing else of the package (or the disk) is reachable."""
    if name == "init.js":
        content = _INIT_JS
    elif name in _VENDORED:
        content = (_vendor_dir() / name).read_bytes()
    else:
        raise NotFoundException()
    return Response(
        content,
        media_type=_MEDIA_TYPES[Path(name).suffix],
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


def missing_page_headers(headers: Any) -> list[tuple[bytes, bytes]]:
    """For an HTML answer without its own policy, the headers every page of ours carries:
    a same-origin-only policy that forbids framing, and `X-Frame-Options: DENY` (the gate
    adds them, so no page can forget them). Nothing for any other answer."""
    names = {bytes(name).lower(): bytes(value) for name, value in headers}
    if not names.get(b"content-type", b"").startswith(b"text/html"):
        return []
    added = []
    if b"content-security-policy" not in names:
        added.append((b"content-security-policy", DOCS_POLICY.encode()))
    if b"x-frame-options" not in names:
        added.append((b"x-frame-options", b"DENY"))
    return added
