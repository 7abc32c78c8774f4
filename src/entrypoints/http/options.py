"""OPTIONS answers that list every method of a path.

Litestar 2 builds the automatic OPTIONS handler with the first route object made for a path
and never updates it as more handlers join the path, so `OPTIONS /v1/posts/{id}` answered
`Allow: DELETE, OPTIONS` (litestar-org/litestar#4169, fixed only in v3). Rebinding each
automatic handler to the final route makes `Allow` complete; the fuzz test checks it."""

from __future__ import annotations

from litestar import Litestar
from litestar.routes import HTTPRoute


def repair_options_allow(app: Litestar) -> None:
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            fn = handler.fn
            if handler.http_methods != {"OPTIONS"} or getattr(fn, "__name__", "") != (
                "options_handler"
            ):
                continue
            for cell in getattr(fn, "__closure__", None) or ():
                if isinstance(cell.cell_contents, HTTPRoute):
                    cell.cell_contents = route
