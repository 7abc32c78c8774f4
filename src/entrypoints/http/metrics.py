"""`GET /metrics`: the Prometheus text exposition, unauthenticated, for a scraper.

Served on the API's port when METRICS_ENABLED is set (the gate answers it before anything
else: no key, no rate limit), and/or alone on METRICS_PORT (`metrics_server_app`). Off by
default: then `/metrics` is an unknown route like any other (404 `route_not_found`).

The counters and histograms come from every process sharing METRICS_DIR; the publishers'
backlog (targets due and unclaimed, and the age of the oldest) is read from the database
at scrape time, by the scraped process alone."""

from __future__ import annotations

import logging
from typing import Any

from dishka import AsyncContainer
from litestar.exceptions import HTTPException
from litestar.utils import normalize_path

from application.errors import DatabaseUnavailable
from application.measure_backlog import MeasureBacklog
from application.ports.metrics import Metrics
from entrypoints.http.envelope import Refusal, request_id_of, send_refusal

log = logging.getLogger("openpost.metrics")

METRICS_PATH = "/metrics"
UNMATCHED = "unmatched"
CONTENT_TYPE = b"text/plain; version=0.0.4; charset=utf-8"
NO_SUCH_ROUTE = Refusal(404, "route_not_found", "No such route.")
GET_ONLY = Refusal(
    405, "method_not_allowed", "This route does not allow that method.", headers=(("Allow", "GET"),)
)


def route_of(scope: dict[str, Any], status: int, litestar: Any) -> str:
    """The template of the route a request was for (`/v1/posts/{post_id}`), never its
    path: one series per route, however many ids. Litestar leaves the template in the
    scope once it has routed; a request refused before routing (401, 429) is routed here
    for its template; what matches no route is `unmatched`."""
    template = scope.get("path_template")
    if template is not None:
        return str(template)
    path = scope["path"]
    if normalize_path(path) == "/mcp":
        return "/mcp"
    router = getattr(litestar, "asgi_router", None)
    if status == 404 or router is None:
        return UNMATCHED
    try:
        return str(router.handle_routing(normalize_path(path), scope["method"])[4])
    except (HTTPException, KeyError, IndexError):
        return UNMATCHED


class MetricsPage:
    """The ASGI answer to `/metrics`, with the services of `container`."""

    def __init__(self, container: AsyncContainer) -> None:
        self.container = container
        self._metrics: Any = None
        self._backlog: MeasureBacklog | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            await send_refusal(send, GET_ONLY, request_id_of(scope))
            return
        if self._metrics is None:
            self._metrics = await self.container.get(Metrics)
            self._backlog = await self.container.get(MeasureBacklog)
        assert self._backlog is not None
        gauges = []
        try:
            reading = await self._backlog.execute()
        except DatabaseUnavailable as error:  # the counters are still worth a scrape
            log.warning("metrics: the backlog could not be read: %s", error)
        else:
            gauges = [
                (
                    "openpost_publish_backlog_due",
                    "Targets due for publishing and not yet claimed by any worker.",
                    float(reading.due),
                ),
                (
                    "openpost_publish_backlog_oldest_age_seconds",
                    "How long the oldest due, unclaimed target has waited (0 when none).",
                    reading.oldest_age_s,
                ),
            ]
        body = self._metrics.render(gauges)
        headers = [(b"content-type", CONTENT_TYPE), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = b"" if scope["method"] == "HEAD" else body
        await send({"type": "http.response.body", "body": body})


def metrics_server_app(container: AsyncContainer) -> Any:
    """The ASGI app of METRICS_PORT: `/metrics` and nothing else."""
    page = MetricsPage(container)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        if scope["path"] != METRICS_PATH:
            await send_refusal(send, NO_SUCH_ROUTE, None)
            return
        await page(scope, receive, send)

    return app
