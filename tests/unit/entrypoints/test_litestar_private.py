"""The private Litestar names `entrypoints/http/litestar_private.py` relies on are still
there and still shaped as it expects. A Litestar upgrade that moves one fails here, by
name, instead of quietly changing the app (more plugins at start-up, a looser document,
an incomplete `Allow`)."""

from __future__ import annotations

import inspect
from importlib.metadata import version

from litestar import Litestar, get
from litestar.routes import HTTPRoute

from entrypoints.http import litestar_private


def test_litestar_is_still_major_version_2() -> None:
    assert version("litestar").split(".")[0] == "2", "Litestar 3: revisit litestar_private.py"


def test_default_plugins_are_still_chosen_by_the_private_static_method() -> None:
    method = inspect.getattr_static(Litestar, "_get_default_plugins")
    assert isinstance(method, staticmethod)
    assert list(inspect.signature(method.__func__).parameters) == ["plugins"]
    assert "_get_default_plugins" in inspect.getsource(Litestar.__init__)


def test_the_struct_schema_plugin_is_still_where_it_is_imported_from() -> None:
    base = litestar_private.StructSchemaPlugin
    assert base.__module__ == "litestar._openapi.schema_generation.plugins.struct"
    assert "to_openapi_schema" in vars(base)


def test_automatic_options_handlers_still_close_over_their_route() -> None:
    @get("/a")
    async def a() -> None: ...

    app = Litestar([a], openapi_config=None)
    route = next(r for r in app.routes if isinstance(r, HTTPRoute) and r.path == "/a")
    options = next(h for h in route.route_handlers if h.http_methods == {"OPTIONS"})
    assert options.fn.__name__ == "options_handler"
    cells = [c.cell_contents for c in options.fn.__closure__ or ()]
    assert any(isinstance(c, HTTPRoute) for c in cells)
