"""(a) HTTP throughput and latency of `GET /v1/integrations` (10 integrations),
`GET /v1/integrations/{id}` and `GET /v1/integrations/{id}/next-slot` (150 busy posts in the window) against one
`openpost serve --no-worker` process per database (SQLite, PostgreSQL), versus the
framework's ceiling (`bench.bare_app`: the same bytes, no auth, no database). The list
route also against a second `openpost serve` with `GET /metrics` on (METRICS_ENABLED, and a
METRICS_DIR: multiprocess mode, the costlier of the two), for what counting costs.

Every server is up for the whole run, pinned to the same CPU, and the measurement is split
into rounds that visit the bare app and each service in turn, so that a change in the
machine's load lands on all of them alike. Also records each service's resident memory
idle and after its load."""

from __future__ import annotations

import json
import os
import statistics
import sys
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.load import LoadResult, run_load
from bench.seed import seed_workspace
from bench.support import (
    Context,
    Goal,
    Section,
    Server,
    database,
    fmt_ms,
    free_port,
    serve,
    table,
)

NAME = "http"
TITLE = "HTTP: the service against the framework's ceiling"
CONNECTIONS = 64
ROOT = Path(__file__).resolve().parent.parent
BARE = "bare Litestar"
SERVE = "openpost serve"
METRICS_ON = "serve, metrics on"
BARE_ROUTES = {
    "list": "/v1/integrations",
    "get": "/v1/integrations/{integration_id:str}",
    "next-slot": "/v1/integrations/{integration_id:str}/next-slot",
}


@dataclass
class Target:
    """One server under load: its name, database, base URL, headers and paths."""

    server: str
    database: str
    base_url: str
    headers: dict[str, str]
    paths: dict[str, str]
    process: Server
    rss_idle: float = 0.0
    rounds: dict[str, list[LoadResult]] = field(default_factory=dict)


def fetch(url: str, headers: dict[str, str]) -> bytes:
    answer = httpx.get(url, headers=headers, timeout=10)
    if answer.status_code != 200:
        raise RuntimeError(f"GET {url} answered {answer.status_code}: {answer.text[:300]}")
    return answer.content


def start_bare(ctx: Context, bodies: dict[str, bytes], stack: ExitStack) -> Server:
    home = ctx.workdir / "bare"
    home.mkdir(exist_ok=True)
    body_file = home / "bodies.json"
    body_file.write_text(json.dumps({BARE_ROUTES[k]: v.decode() for k, v in bodies.items()}))
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    argv = [sys.executable, "-m", "bench.bare_app", "--port", str(port), "--bodies", str(body_file)]
    return stack.enter_context(Server(argv, env=env, cwd=home, pin=ctx.pin, port=port))


def combine(rounds: list[LoadResult]) -> LoadResult:
    """Throughput over all rounds; latency percentiles as the median of the rounds'."""
    seconds = sum(r.seconds for r in rounds)
    return LoadResult(
        rounds[0].tool,
        sum(r.requests for r in rounds),
        seconds,
        statistics.median(r.p50_ms for r in rounds),
        statistics.median(r.p99_ms for r in rounds),
        sum(r.errors for r in rounds),
    )


async def run(ctx: Context) -> Section:
    rounds, seconds, warmup = (1, 3, 1) if ctx.quick else (4, 5, 2)
    targets: list[Target] = []
    async with AsyncExitStack() as adbs:
        with ExitStack() as servers:
            for kind in ctx.databases:
                db = await adbs.enter_async_context(database(kind, ctx.workdir))
                ctx.log(f"seeding {kind}")
                seeded = await seed_workspace(db.settings_env())
                server = serve(ctx, db.env, db.home, servers)
                paths = {
                    "list": "/v1/integrations",
                    "get": f"/v1/integrations/{seeded.busy_integration_id}",
                    "next-slot": f"/v1/integrations/{seeded.busy_integration_id}/next-slot",
                }
                headers = {"Authorization": f"Bearer {seeded.api_key}"}
                targets.append(Target(SERVE, kind, server.base_url, headers, paths, server))
                if not ctx.quick or kind == ctx.databases[0]:
                    env = {
                        **db.env,
                        "OPENPOST_METRICS_ENABLED": "true",
                        "OPENPOST_METRICS_DIR": str(db.home / "metrics"),
                    }
                    counted = serve(ctx, env, db.home, servers)
                    only_list = {"list": paths["list"]}
                    targets.append(
                        Target(METRICS_ON, kind, counted.base_url, headers, only_list, counted)
                    )
                if ctx.baseline is not None:
                    # The same database served by another source tree, for before/after.
                    other = serve(ctx, db.env, db.home, servers, ctx.baseline)
                    targets.append(
                        Target("baseline serve", kind, other.base_url, headers, paths, other)
                    )
            first = targets[0]
            bodies = {e: fetch(first.base_url + p, first.headers) for e, p in first.paths.items()}
            bare = start_bare(ctx, bodies, servers)
            targets.insert(0, Target(BARE, "-", bare.base_url, {}, first.paths, bare))
            for target in targets:
                for path in target.paths.values():
                    fetch(target.base_url + path, target.headers)
                target.rss_idle = target.process.rss_mib()
            for endpoint in BARE_ROUTES:
                ctx.log(f"{endpoint}: warm-up, then {rounds} round(s) of {seconds} s per server")
                serving = [t for t in targets if endpoint in t.paths]
                for target in serving:
                    url = target.base_url + target.paths[endpoint]
                    run_load(url, headers=target.headers, connections=CONNECTIONS, seconds=warmup, pin=ctx.pin)
                for _ in range(rounds):
                    for target in serving:
                        url = target.base_url + target.paths[endpoint]
                        result = run_load(
                            url,
                            headers=target.headers,
                            connections=CONNECTIONS,
                            seconds=seconds,
                            pin=ctx.pin,
                        )
                        target.rounds.setdefault(endpoint, []).append(result)
            rss_after = {id(t): t.process.rss_mib() for t in targets}
            for target in targets:
                if target.server == METRICS_ON:  # it counted, and a scrape answers
                    scraped = fetch(target.base_url + "/metrics", {}).decode()
                    if 'route="/v1/integrations",status="200"' not in scraped:
                        raise RuntimeError("the list route is missing from /metrics")
    return report(targets, rss_after, rounds, seconds)


def report(
    targets: list[Target], rss_after: dict[int, float], rounds: int, seconds: int
) -> Section:
    bare = targets[0]
    ceiling = {e: combine(bare.rounds[e]).rps for e in BARE_ROUTES}
    rows, goals, errors = [], [], 0
    for target in targets:
        for endpoint in BARE_ROUTES:
            if endpoint not in target.rounds:
                continue
            lo = combine(target.rounds[endpoint])
            errors += lo.errors
            ratio = lo.rps / ceiling[endpoint]
            tail = lo.p99_ms / lo.p50_ms if lo.p50_ms else float("inf")
            memory = f"{target.rss_idle:.0f} -> {rss_after[id(target)]:.0f}"
            rows.append(
                [
                    target.server,
                    target.database,
                    endpoint,
                    f"{lo.rps:,.0f}",
                    fmt_ms(lo.p50_ms),
                    fmt_ms(lo.p99_ms),
                    f"{tail:.1f}",
                    lo.errors,
                    f"{ratio:.2f}",
                    memory if endpoint == "list" else "",
                ]
            )
            if target.server == METRICS_ON:
                off = next(t for t in targets if (t.server, t.database) == (SERVE, target.database))
                cost = lo.rps / combine(off.rounds["list"]).rps
                goals.append(
                    Goal(f"list on {target.database}: metrics on vs off", ">= 0.95", f"{cost:.2f}", cost >= 0.95)
                )
            if target.server == SERVE and endpoint == "next-slot":
                goals.append(
                    Goal(f"next-slot on {target.database}: throughput vs ceiling", ">= 0.50", f"{ratio:.2f}", ratio >= 0.5)
                )
            if target.server != SERVE or endpoint != "list":
                continue
            goals.append(
                Goal(f"list on {target.database}: throughput vs ceiling", ">= 0.50", f"{ratio:.2f}", ratio >= 0.5)
            )
            goals.append(Goal(f"list on {target.database}: p99 / p50", "<= 4", f"{tail:.1f}", tail <= 4))
    goals.append(Goal("errors in every HTTP run", "0", str(errors), errors == 0))
    tool = bare.rounds["list"][0].tool
    body = "\n".join(
        [
            f"{CONNECTIONS} connections, {tool}, {rounds} round(s) of {seconds} s per server and "
            "endpoint, visiting the servers in turn; req/s over all rounds, p50/p99 the median "
            "of the rounds'. One server process each, all on the same CPU. RSS in MiB: "
            "idle -> after the whole run.",
            "",
            table(
                [
                    "server",
                    "database",
                    "endpoint",
                    "req/s",
                    "p50 ms",
                    "p99 ms",
                    "p99/p50",
                    "errors",
                    "vs ceiling",
                    "RSS MiB",
                ],
                rows,
            ),
        ]
    )
    return Section(TITLE, body, goals)
