"""`GET /metrics` as a scraper sees it: a real `openpost serve` with metrics on, requests
of every kind and a publish through its worker, then one scrape parsed with
prometheus-client's own parser; two processes adding up through one directory; a port of
its own; and nothing at all when metrics are off (the default).

The in-process tests below run under a manual clock for the backlog's age."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import ManualClock
from adapters.persistence.sqlalchemy.engine import create_engine
from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.persistence.sqlalchemy.tables import post_targets
from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from tests.e2e.conftest import START, Api, ClockOverride, settings_for
from tests.support.asgi import client_for
from tests.support.serve import ServeProcess, base_env, demo_key, free_port, serve

Labels = frozenset[tuple[str, str]]


def scrape(url: str) -> dict[tuple[str, Labels], float]:
    answer = httpx.get(url + "/metrics", timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(answer.text)


def parse(text: str) -> dict[tuple[str, Labels], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: dict[tuple[str, Labels], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def requests(samples: dict[tuple[str, Labels], float], route: str, status: int) -> float:
    return value(
        samples, "openpost_http_requests_total", method="GET", route=route, status=str(status)
    )


def wait_for(condition: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)  # polling for an outcome, not timing one


def make_due_now(database: Path, post_id: str) -> None:
    """The contract schedules at least 60 s ahead; the worker of a real process runs on the
    real clock. So the test moves the target's due time to now behind the API's back."""

    async def move() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{database}")
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    update(post_targets)
                    .where(post_targets.c.post_id == UUID(post_id))
                    .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
                )
        finally:
            await engine.dispose()

    asyncio.run(move())


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServeProcess]:
    env = base_env(
        OPENPOST_METRICS_ENABLED="true",
        OPENPOST_RATE_LIMIT="20/minute",
        OPENPOST_WEBHOOK_ALLOW_HTTP="true",
        OPENPOST_WEBHOOK_ALLOW_PRIVATE="true",
    )
    with serve(tmp_path, env) as running:
        yield running


def test_a_scrape_shows_requests_by_route_template_publishes_and_refusals(
    server: ServeProcess, tmp_path: Path
) -> None:
    url, key = server.url, demo_key(server)
    auth = {"Authorization": f"Bearer {key}"}
    integrations = httpx.get(url + "/v1/integrations", headers=auth).json()["data"]
    bluesky = next(i["id"] for i in integrations if i["platform"] == "bluesky")
    assert httpx.get(url + f"/v1/integrations/{bluesky}", headers=auth).status_code == 200
    assert httpx.get(url + "/no/such/route").status_code == 404
    assert httpx.get(url + f"/v1/integrations/{bluesky}").status_code == 401
    closed = f"http://127.0.0.1:{free_port()}/hook"  # nobody listens: the delivery retries
    hook = httpx.post(url + "/v1/webhook_endpoints", headers=auth, json={"url": closed, "events": ["*"]})
    assert hook.status_code == 201, hook.text
    at = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    created = httpx.post(
        url + "/v1/posts",
        headers=auth,
        json={"content": "Counted", "integrations": [bluesky], "schedule_at": at},
    )
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]
    make_due_now(tmp_path / "openpost.db", post_id)
    wait_for(lambda: value(scrape(url), "openpost_publishes_total", platform="bluesky", outcome="published") == 1)  # fmt: skip
    wait_for(lambda: value(scrape(url), "openpost_webhook_deliveries_total", outcome="retrying") >= 1)  # fmt: skip
    # The key's budget (20 a minute) runs out: 4 used above, 16 more pass, the next is refused.
    listed = [httpx.get(url + "/v1/integrations", headers=auth).status_code for _ in range(17)]
    assert listed == [200] * 16 + [429]

    samples = scrape(url)
    assert requests(samples, "/v1/integrations", 200) == 17
    assert requests(samples, "/v1/integrations", 429) == 1
    assert requests(samples, "/v1/integrations/{integration_id}", 200) == 1
    assert requests(samples, "/v1/integrations/{integration_id}", 401) == 1
    assert requests(samples, "unmatched", 404) == 1
    post = {"method": "POST", "route": "/v1/posts", "status": "201"}
    assert value(samples, "openpost_http_requests_total", **post) == 1
    assert value(samples, "openpost_rate_limit_refusals_total", budget="key") == 1
    assert value(samples, "openpost_rate_limit_refusals_total", budget="address") == 0
    latency = "openpost_http_request_duration_seconds"
    assert value(samples, f"{latency}_count", method="GET", route="/v1/integrations") == 18
    assert value(samples, f"{latency}_bucket", method="GET", route="/v1/integrations", le="+Inf") == 18  # fmt: skip
    assert value(samples, "openpost_publishes_total", platform="bluesky", outcome="published") == 1
    assert value(samples, "openpost_publish_backlog_due") == 0
    assert value(samples, "openpost_publish_backlog_oldest_age_seconds") == 0
    # No series is named after an id: every route label is a template.
    routes = {dict(labels).get("route") for _, labels in samples} - {None}
    assert not any(bluesky in r or post_id in str(r) for r in routes), routes
    assert "/metrics" not in routes  # scrapes are not counted
    assert server.stop() == 0


def test_two_processes_add_up_in_one_directory(tmp_path: Path) -> None:
    directory = tmp_path / "metrics"
    metrics_port = free_port()
    shared = {"OPENPOST_METRICS_DIR": str(directory)}
    api_port_env = base_env(**shared, OPENPOST_METRICS_ENABLED="true")
    own_port_env = base_env(**shared, OPENPOST_METRICS_PORT=str(metrics_port))
    with (
        serve(tmp_path, api_port_env, "--no-worker") as first,
        serve(tmp_path, own_port_env, "--no-worker") as second,
    ):
        for _ in range(3):
            assert httpx.get(first.url + "/healthz").status_code == 200
        for _ in range(4):
            assert httpx.get(second.url + "/healthz").status_code == 200
        # The second serves /metrics on its own port only: on the API's, an unknown route.
        assert httpx.get(second.url + "/metrics").status_code == 404
        # A process hands its counts over within a second of its first uncounted request.
        for url in (first.url, f"http://127.0.0.1:{metrics_port}"):
            wait_for(lambda url=url: requests(scrape(url), "/healthz", 200) == 7)
            assert requests(scrape(url), "unmatched", 404) == 1
        assert first.stop() == 0 and second.stop() == 0
    # Each process kept its own file; the next process to start removes them (a unit test
    # of `remove_stale_files` shows which).
    assert len(list(directory.glob("*.db"))) >= 2


async def test_metrics_are_off_by_default(api: Api) -> None:
    answer = await api.client.get("/metrics")
    assert answer.status_code == 404
    assert answer.json()["code"] == "route_not_found"


async def test_the_backlog_is_read_at_scrape_time(sqlite_url: str) -> None:
    clock = ManualClock(START)
    settings = settings_for(sqlite_url, OPENPOST_METRICS_ENABLED="true")
    container = build_container(settings, ClockOverride(clock))
    await upgrade(await container.get(AsyncEngine))
    api = Api(client=None, container=container, clock=clock)  # type: ignore[arg-type]
    created = await api.workspace()
    try:
        async with client_for(create_app(settings, container)) as client:
            auth = Api.auth(created)
            [first, *_] = (await client.get("/v1/integrations", headers=auth)).json()["data"]
            for minutes in (10, 20):
                at = (START + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
                body = {"content": f"in {minutes}", "integrations": [first["id"]], "schedule_at": at}
                assert (await client.post("/v1/posts", headers=auth, json=body)).status_code == 201

            async def backlog() -> tuple[float, float]:
                samples = parse((await client.get("/metrics")).text)
                due = value(samples, "openpost_publish_backlog_due")
                return due, value(samples, "openpost_publish_backlog_oldest_age_seconds")

            assert await backlog() == (0, 0)
            clock.advance(timedelta(minutes=10, seconds=30))
            assert await backlog() == (1, 30)
            clock.advance(timedelta(minutes=10))
            assert await backlog() == (2, 630)
    finally:
        await container.close()
