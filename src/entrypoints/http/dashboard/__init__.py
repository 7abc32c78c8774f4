"""The dashboard: server-rendered pages (Jinja templates) over the same use cases as the
API, for people rather than programs. See `session.py` for signing in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

from entrypoints.http.dashboard.assets import dashboard_asset
from entrypoints.http.dashboard.integrations import IntegrationPages
from entrypoints.http.dashboard.posts import PostPages
from entrypoints.http.dashboard.queues import QueuePages
from entrypoints.http.dashboard.sign_in import SignInController
from entrypoints.http.dashboard.webhooks import WebhookPages

TEMPLATES = Path(__file__).parent / "templates"
HANDLERS: list[Any] = [
    SignInController,
    IntegrationPages,
    QueuePages,
    PostPages,
    WebhookPages,
    dashboard_asset,
]


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """Every value is escaped unless a template says otherwise (none does)."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        auto_reload=False,
    )
    return TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment))
