"""`Metrics` as Prometheus time series, with `prometheus-client`.

One process: the series live in this object's own registry. Several processes (`serve`
and `worker` side by side, or several `serve`): give them one directory (METRICS_DIR) and
prometheus-client's multiprocess mode keeps each process's values in a memory-mapped file
there; a scrape of any process adds up every file. Files left by processes that are no
longer running (an earlier run) are removed when a process starts; counters of a process
that stopped during this run therefore drop out at the next start, which Prometheus reads
as a counter reset. Processes that share a directory must share a PID namespace.

prometheus-client picks its mode when its first metric is made, from the environment
variable PROMETHEUS_MULTIPROC_DIR: it is set here, before anything of it is imported.

Requests are counted on the hot path, where prometheus-client's own calls (a lock per
value, and in multiprocess mode a write to the mapped file per value, three per request)
cost the list route about a tenth of its throughput. So they are added up in plain dicts
on the event loop and handed to prometheus-client in batches: before every scrape of this
process, and within FLUSH_S of the first request of a batch (so that other processes'
scrapes see them), and when the process stops. A batch of a histogram's observations goes
to its bucket and sum values directly, which prometheus-client has no public call for."""

from __future__ import annotations

import asyncio
import contextlib
import os
from bisect import bisect_left
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from application.ports.metrics import Metrics

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
Gauge = tuple[str, str, float]  # name, help, value
FLUSH_S = 1.0


class PrometheusMetrics(Metrics):
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        if directory is not None:
            use_directory(directory)
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "openpost_http_requests",
            "HTTP answers, by route template and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "openpost_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.refusals = Counter(
            "openpost_rate_limit_refusals",
            "429 answers of the service's own rate limits, by budget (key or address).",
            ["budget"],
            registry=r,
        )
        self.publishes = Counter(
            "openpost_publishes",
            "Publish attempts, by platform and outcome.",
            ["platform", "outcome"],
            registry=r,
        )
        self.refreshes = Counter(
            "openpost_token_refreshes",
            "Token refreshes asked of a platform, by platform and outcome.",
            ["platform", "outcome"],
            registry=r,
        )
        self.deliveries = Counter(
            "openpost_webhook_deliveries",
            "Webhook delivery attempts, by outcome.",
            ["outcome"],
            registry=r,
        )
        # Per (method, route, status): answers, their seconds, and how many fell in each
        # latency bucket (the last one: above every bound), since the last flush.
        self._pending: dict[tuple[str, str, int], _Batch] = {}
        self._flush_at: asyncio.TimerHandle | None = None

    def request_served(self, method: str, route: str, status: int, seconds: float) -> None:
        batch = self._pending.get((method, route, status))
        if batch is None:
            batch = self._pending[method, route, status] = _Batch()
            if self._flush_at is None:
                self._schedule_flush()
        batch.count += 1
        batch.seconds += seconds
        batch.buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1

    def _schedule_flush(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop to wait on: nothing is kept back
            return
        self._flush_at = loop.call_later(FLUSH_S, self.flush)

    def flush(self) -> None:
        """Hands the requests counted since the last flush to prometheus-client."""
        if self._flush_at is not None:
            self._flush_at.cancel()
            self._flush_at = None
        pending, self._pending = self._pending, {}
        for (method, route, status), batch in pending.items():
            shown = method if method in METHODS else "other"
            self.requests.labels(shown, route, str(status)).inc(batch.count)
            histogram = self.latency.labels(shown, route)
            histogram._sum.inc(batch.seconds)
            for bucket, count in zip(histogram._buckets, batch.buckets, strict=True):
                if count:
                    bucket.inc(count)

    def rate_limit_refused(self, budget: str) -> None:
        self.refusals.labels(budget).inc()

    def publish_finished(self, platform: str, outcome: str) -> None:
        self.publishes.labels(platform, outcome).inc()

    def token_refreshed(self, platform: str, outcome: str) -> None:
        self.refreshes.labels(platform, outcome).inc()

    def webhook_delivered(self, outcome: str) -> None:
        self.deliveries.labels(outcome).inc()

    def render(self, gauges: Iterable[Gauge] = ()) -> bytes:
        """The text exposition of every process's series (this one's alone without a
        directory), then `gauges`, read by the caller at scrape time."""
        from prometheus_client import CollectorRegistry, generate_latest
        from prometheus_client.core import GaugeMetricFamily

        self.flush()
        registry = self.registry
        if self.directory is not None:
            from prometheus_client.multiprocess import MultiProcessCollector

            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=str(self.directory))  # type: ignore[no-untyped-call]
        extra = CollectorRegistry(auto_describe=False)
        extra.register(_Fixed([GaugeMetricFamily(n, h, value=v) for n, h, v in gauges]))
        return bytes(generate_latest(registry)) + bytes(generate_latest(extra))


class _Batch:
    __slots__ = ("buckets", "count", "seconds")

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.buckets = [0] * (len(LATENCY_BUCKETS) + 1)


class _Fixed:
    def __init__(self, families: list[Any]) -> None:
        self.families = families

    def collect(self) -> Iterable[Any]:
        return self.families


CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def use_directory(directory: Path) -> None:
    """Multiprocess mode on `directory`: made if missing, cleared of dead processes' files."""
    directory.mkdir(parents=True, exist_ok=True)
    remove_stale_files(directory)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    from prometheus_client import values

    if not getattr(values.ValueClass, "_multiprocess", False):
        # Imported before this process chose a directory (never by `openpost` itself,
        # which imports prometheus-client only here): switch it as its import would have.
        values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]


def remove_stale_files(directory: Path) -> list[Path]:
    """Removes the `<kind>_<pid>.db` files of processes no longer running."""
    removed = []
    for file in directory.glob("*.db"):
        pid = file.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _running(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                file.unlink()
            removed.append(file)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
