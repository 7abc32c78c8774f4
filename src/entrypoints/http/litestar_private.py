"""Every use of Litestar's private internals, in one place. Each works around something
Litestar 2 offers no public way to do; `tests/unit/entrypoints/test_litestar_private.py`
checks each private name this module relies on, so an upgrade that moves one fails
there, loudly, before it can misbehave. On Litestar 3, revisit each.

1. `MsgspecOnlyLitestar`: Litestar adds the pydantic and attrs plugins whenever those
   libraries are installed (pydantic comes with atproto), in the private static method
   `Litestar._get_default_plugins` (litestar-org/litestar#2404 made it take the given
   plugins; there is no switch). Loading them, pydantic's v1 layer with them, was a tenth
   of a second of every start, for types no route takes or returns.
2. `StrictStructSchemaPlugin`: Litestar's schema of a msgspec Struct omits
   `additionalProperties: false` when the Struct forbids unknown fields (the API answers
   those with a 422); its Struct schema plugin is private (litestar-org/litestar#4575).
3. `repair_options_allow`: the automatic OPTIONS handler of a path is built with the
   first route object made for it and never sees handlers that join the path later, so
   `Allow` missed methods (litestar-org/litestar#4169, fixed only in v3). Rebinding the
   closure of each automatic handler to the final route makes `Allow` complete.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.spec import Schema
from litestar.plugins import PluginProtocol
from litestar.plugins.core import MsgspecDIPlugin
from litestar.routes import HTTPRoute
from litestar.typing import FieldDefinition


class MsgspecOnlyLitestar(Litestar):
    @staticmethod
    def _get_default_plugins(plugins: list[PluginProtocol]) -> list[PluginProtocol]:
        return [*plugins, MsgspecDIPlugin()]


class StrictStructSchemaPlugin(StructSchemaPlugin):
    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if getattr(info, "forbid_unknown_fields", False):
            schema.additional_properties = False
        return schema


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
