"""The app leaves out Litestar's pydantic and attrs plugins, and its document shows no trace."""

from __future__ import annotations

import msgspec
import pytest
from litestar import Litestar

from adapters.crypto import generate_key
from entrypoints.composition import build_container
from entrypoints.http import app as http_app
from entrypoints.settings import load_settings


def litestar_app() -> Litestar:
    env = {
        "OPENPOST_DATABASE_URL": "sqlite+aiosqlite:///:memory:",
        "OPENPOST_SECRET_KEY": generate_key(),
    }
    settings = load_settings(env, dotenv=None)
    app: Litestar = http_app.create_app(settings, build_container(settings)).litestar
    return app


def default_plugins(app: Litestar) -> set[str]:
    """Which of the pydantic and attrs plugins Litestar adds by default `app` has."""
    modules = {type(plugin).__module__ for plugin in app.plugins}
    return {
        name
        for name in ("pydantic", "attrs")
        for module in modules
        if module.startswith(f"litestar.plugins.{name}")
    }


def document(app: Litestar) -> bytes:
    return msgspec.json.encode(app.openapi_schema.to_schema())


def test_the_app_has_no_pydantic_or_attrs_plugin() -> None:
    assert default_plugins(litestar_app()) == set()


def test_the_document_is_the_one_made_with_litestars_default_plugins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ours = document(litestar_app())
    monkeypatch.setattr(http_app, "MsgspecOnlyLitestar", Litestar)
    with_defaults = litestar_app()
    assert default_plugins(with_defaults) == {"pydantic", "attrs"}
    assert ours == document(with_defaults)
