"""How a handler gets what it needs: each service is a `FromDishka[T]` parameter, and the
handler is decorated with one of two injectors, both built on dishka's `wrap_injection`:

- `inject` opens dishka's request scope around the handler and closes it after, so REQUEST-scoped services (a unit of work) are made
  for this request and released with it. Every route that writes uses it.
- `inject_app` resolves from the application container without opening a scope: for the
  hot reads, whose services all live as long as the process. Asking it for a
  REQUEST-scoped service fails loudly at the first call (dishka's `NoFactoryError`).

The container is the one `create_litestar` stores in the app state as `dishka_container`,
the name dishka's own Litestar integration uses. The caller is not a service: it is
read from the request with `caller(request)`.
"""

from __future__ import annotations

from collections.abc import Callable
from inspect import Parameter
from typing import Any, ParamSpec, TypeVar, get_type_hints

from dishka import AsyncContainer, Scope
from dishka.integrations.base import wrap_injection
from litestar import Request

P = ParamSpec("P")
T = TypeVar("T")
CONTAINER = "dishka_container"
_REQUEST = Parameter("request", Parameter.KEYWORD_ONLY, annotation=Request)


def _app_container(_: tuple[Any, ...], kwargs: dict[str, Any]) -> AsyncContainer:
    container: AsyncContainer = kwargs["request"].app.state[CONTAINER]
    return container


def _extra_params(func: Callable[..., Any]) -> list[Parameter]:
    """The `request` parameter the injector reads the container from, unless declared."""
    return [] if "request" in get_type_hints(func) else [_REQUEST]


def inject(func: Callable[P, T]) -> Callable[P, T]:
    """The handler's `FromDishka` parameters, resolved in a request scope of its own."""
    return wrap_injection(
        func=func,
        is_async=True,
        container_getter=_app_container,
        additional_params=_extra_params(func),
        manage_scope=True,
        scope=Scope.REQUEST,
    )


def inject_app(func: Callable[P, T]) -> Callable[P, T]:
    """The handler's `FromDishka` parameters, all APP-scoped, resolved with no scope opened."""
    return wrap_injection(
        func=func,
        is_async=True,
        container_getter=_app_container,
        additional_params=_extra_params(func),
    )
