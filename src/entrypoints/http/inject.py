"""How a handler gets what it needs: each service is a `FromDishka[T]` parameter, and the
handler is decorated with one of two injectors, both built on dishka's `wrap_injection`:

- `inject` opens dishka's request scope around the handler and closes it after, so REQUEST-scoped services (a unit of work) are made
  for this request and released with it. Every route that writes uses it.
- `inject_app` opens no scope: for the hot reads, whose services all live as long as the
  process. It hands dishka's injector `AppScoped` in place of the container: each service
  resolved once through the container, then read from a dict (the container takes a lock
  on every `get`, a cost the hot reads measurably pay). Asking it for a REQUEST-scoped
  service fails loudly at the first call (dishka's `NoFactoryError`).

The container is the one `create_litestar` stores in the app state as `dishka_container`,
the name dishka's own Litestar integration uses, beside its `AppScoped`. The caller is not a service: it is
read from the request with `caller(request)`.
"""

from __future__ import annotations

from collections.abc import Callable
from inspect import Parameter, signature
from typing import Any, ParamSpec, TypeVar, cast

from dishka import DEFAULT_COMPONENT, AsyncContainer, Scope
from dishka.integrations.base import wrap_injection
from litestar import Request

P = ParamSpec("P")
T = TypeVar("T")
CONTAINER = "dishka_container"
APP_SCOPED = "dishka_app_scoped"
_REQUEST = Parameter("request", Parameter.KEYWORD_ONLY, annotation=Request)


class AppScoped:
    """A container's APP-scoped services, each resolved once and then kept."""

    __slots__ = ("_container", "_kept")

    def __init__(self, container: AsyncContainer) -> None:
        self._container = container
        self._kept: dict[tuple[Any, Any], Any] = {}

    async def get(self, kind: Any, component: Any = DEFAULT_COMPONENT) -> Any:
        try:
            return self._kept[kind, component]
        except KeyError:
            value = self._kept[kind, component] = await self._container.get(kind, component)
            return value


def _app_scoped(_: tuple[Any, ...], kwargs: dict[str, Any]) -> AsyncContainer:
    # The injector only calls `get`, which `AppScoped` answers as the container would.
    return cast(AsyncContainer, kwargs["request"].app.state[APP_SCOPED])


def _app_container(_: tuple[Any, ...], kwargs: dict[str, Any]) -> AsyncContainer:
    container: AsyncContainer = kwargs["request"].app.state[CONTAINER]
    return container


def _extra_params(func: Callable[..., Any]) -> list[Parameter]:
    """The `request` parameter the injector reads the container from, unless declared."""
    return [] if "request" in signature(func).parameters else [_REQUEST]


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
        container_getter=_app_scoped,
        additional_params=_extra_params(func),
    )
