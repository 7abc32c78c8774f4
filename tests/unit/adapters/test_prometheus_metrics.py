"""The Prometheus adapter: series per label set, and the multiprocess directory's upkeep."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from adapters.metrics.prometheus import PrometheusMetrics, remove_stale_files


def samples(text: bytes) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text.decode())
        for s in family.samples
    }


def test_answers_are_counted_per_route_and_status_and_timed_per_route() -> None:
    metrics = PrometheusMetrics()
    metrics.request_served("GET", "/v1/posts/{post_id}", 200, 0.002)
    metrics.request_served("GET", "/v1/posts/{post_id}", 200, 0.2)
    metrics.request_served("GET", "/v1/posts/{post_id}", 404, 0.001)
    metrics.request_served("BREW", "unmatched", 405, 0.001)  # a made-up method: no new label
    found = samples(metrics.render([("openpost_publish_backlog_due", "Due.", 7.0)]))

    route = ("route", "/v1/posts/{post_id}")
    get = ("method", "GET")
    assert found["openpost_http_requests_total", frozenset({get, route, ("status", "200")})] == 2
    assert found["openpost_http_requests_total", frozenset({get, route, ("status", "404")})] == 1
    other = frozenset({("method", "other"), ("route", "unmatched"), ("status", "405")})
    assert found["openpost_http_requests_total", other] == 1
    latency = "openpost_http_request_duration_seconds"
    assert found[f"{latency}_count", frozenset({get, route})] == 3
    assert found[f"{latency}_bucket", frozenset({get, route, ("le", "0.0025")})] == 2
    assert found["openpost_publish_backlog_due", frozenset()] == 7


def test_files_of_processes_no_longer_running_are_removed(tmp_path: Path) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    dead = tmp_path / f"counter_{ended.stdout.strip()}.db"
    alive = tmp_path / "counter_1.db"  # init: running as long as the machine is
    for file in (dead, alive):
        file.write_bytes(b"")
    assert remove_stale_files(tmp_path) == [dead]
    assert not dead.exists() and alive.exists()
