"""A router that wires dishka into exactly the handlers that ask for something from it.

dishka's own `DishkaRouter` wraps every handler and its `setup_dishka` opens a request
scope (a container, a `Request`) around every request. Here a handler with a
`FromDishka[...]` parameter gets both, through the handler's own middleware; a handler
without one (the hot reads, which use services resolved at start-up) gets neither and
pays nothing for them. The container is `app.state.dishka_container`, as dishka expects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_args, get_type_hints

from dishka import FromComponent
from dishka.integrations.litestar import inject, make_add_request_container_middleware
from litestar import Controller, Router
from litestar.handlers import HTTPRouteHandler
from litestar.routes import BaseRoute
from litestar.types import ControllerRouterHandler

_MARKER = type(FromComponent())  # what `FromDishka[T]` puts in `Annotated[T, ...]`


class ScopedDishkaRouter(Router):
    def register(self, value: ControllerRouterHandler) -> list[BaseRoute]:
        if isinstance(value, type) and issubclass(value, Controller):
            value.get_route_handlers = _wiring_each(value.get_route_handlers)  # type: ignore[method-assign]
        elif isinstance(value, HTTPRouteHandler):
            _wire(value)
        return super().register(value)


def asks_dishka(fn: Callable[..., Any]) -> bool:
    hints = get_type_hints(fn, include_extras=True)
    return any(
        isinstance(marker, _MARKER) for hint in hints.values() for marker in get_args(hint)[1:]
    )


def _wire(handler: HTTPRouteHandler) -> None:
    if getattr(handler, "_openpost_wired", False) or not asks_dishka(handler.fn):
        return
    handler._fn = inject(handler._fn)
    handler.middleware = [*(handler.middleware or ()), make_add_request_container_middleware]
    handler._openpost_wired = True  # type: ignore[attr-defined]


def _wiring_each(
    get_route_handlers: Callable[..., list[Any]],
) -> Callable[..., list[Any]]:
    def wired(*args: Any, **kwargs: Any) -> list[Any]:
        handlers = get_route_handlers(*args, **kwargs)
        for handler in handlers:
            if isinstance(handler, HTTPRouteHandler):
                _wire(handler)
        return handlers

    return wired
