"""Wiring of what the service counts: Prometheus series when METRICS_ENABLED or
METRICS_PORT is set (prometheus-client is imported only then), nothing otherwise."""

from __future__ import annotations

from collections.abc import Iterator

from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sqlalchemy.publish_backlog import SqlAlchemyPublishBacklog
from application.measure_backlog import MeasureBacklog
from application.ports.metrics import NO_METRICS, Metrics
from application.ports.publish_backlog import PublishBacklog
from entrypoints.settings import Settings


class MetricsProvider(Provider):
    scope = Scope.APP
    measure_backlog = provide(MeasureBacklog)

    @provide
    def metrics(self, settings: Settings) -> Iterator[Metrics]:
        if not settings.metrics_on:
            yield NO_METRICS
            return
        from adapters.metrics.prometheus import PrometheusMetrics

        metrics = PrometheusMetrics(settings.metrics_dir)
        yield metrics
        metrics.flush()  # what the last second counted, for the other processes' scrapes

    @provide
    def backlog(self, engine: AsyncEngine) -> PublishBacklog:
        return SqlAlchemyPublishBacklog(engine)
