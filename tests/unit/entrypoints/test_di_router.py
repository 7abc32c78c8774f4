"""The router wires dishka into exactly the handlers that ask for something from it."""

from __future__ import annotations

from entrypoints.http.di_router import asks_dishka
from entrypoints.http.integrations import IntegrationController
from entrypoints.http.posts import PostController


def test_only_handlers_with_a_dishka_parameter_ask_for_it() -> None:
    asking = {
        name: asks_dishka(getattr(IntegrationController, name).fn)
        for name in ("list_integrations", "get_integration", "next_slot", "start_connect")
    }
    assert asking == {
        "list_integrations": False,
        "get_integration": False,
        "next_slot": False,
        "start_connect": True,
    }
    assert asks_dishka(PostController.create_post.fn)
