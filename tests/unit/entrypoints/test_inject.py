"""`inject_app` resolves each APP-scoped service once and refuses REQUEST-scoped ones;
`inject` gives every call a request scope of its own."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from dishka import FromDishka, Provider, Scope, make_async_container, provide
from dishka.exceptions import NoFactoryError

from entrypoints.http.inject import APP_SCOPED, CONTAINER, AppScoped, inject, inject_app


class Shared:
    made = 0

    def __init__(self) -> None:
        Shared.made += 1


class PerRequest:
    pass


class Services(Provider):
    shared = provide(Shared, scope=Scope.APP)
    per_request = provide(PerRequest, scope=Scope.REQUEST)


def request_for(container: Any) -> Any:
    state = {CONTAINER: container, APP_SCOPED: AppScoped(container)}
    return SimpleNamespace(app=SimpleNamespace(state=state))


async def test_app_scoped_services_are_resolved_once_and_kept() -> None:
    container = make_async_container(Services())
    request = request_for(container)

    @inject_app
    async def handler(request: Any, shared: FromDishka[Shared]) -> Shared:
        return shared

    first, second = await handler(request=request), await handler(request=request)
    assert first is second is await container.get(Shared)
    assert Shared.made == 1
    await container.close()


async def test_inject_app_refuses_a_request_scoped_service() -> None:
    container = make_async_container(Services())

    @inject_app
    async def handler(request: Any, per_request: FromDishka[PerRequest]) -> PerRequest:
        return per_request

    with pytest.raises(NoFactoryError):
        await handler(request=request_for(container))
    await container.close()


async def test_inject_opens_a_request_scope_per_call() -> None:
    container = make_async_container(Services())
    request = request_for(container)

    @inject
    async def handler(request: Any, per_request: FromDishka[PerRequest]) -> PerRequest:
        return per_request

    assert await handler(request=request) is not await handler(request=request)
    await container.close()
