"""What every benchmark shares: the machine, pinned servers, throwaway databases, tables."""

from __future__ import annotations

import os
import platform
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from adapters.crypto import generate_key

RESULTS = Path(__file__).resolve().parent / "results"
POSTGRES_ADMIN_URL = os.environ.get(
    "OPENPOST_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
# Large enough never to refuse a benchmark request, yet a limiter (when there is one) stays
# on the request path, as in production.
RATE_LIMIT = "1000000000/minute"
PACKAGES = (
    "litestar",
    "uvicorn",
    "httptools",
    "msgspec",
    "dishka",
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
)


@dataclass(frozen=True)
class Pinning:
    server: list[str]
    load: list[str]
    description: str


def pinning() -> Pinning:
    """The server on one CPU and the load generator on another, where that is possible."""
    cpus = sorted(os.sched_getaffinity(0))
    if shutil.which("taskset") and len(cpus) >= 2:
        server, load = cpus[0], cpus[1]
        return Pinning(
            ["taskset", "-c", str(server)],
            ["taskset", "-c", str(load)],
            f"server pinned to CPU {server}, load generator to CPU {load}",
        )
    return Pinning([], [], "not pinned (needs taskset and two CPUs)")


@dataclass(frozen=True)
class Goal:
    what: str
    target: str
    measured: str
    met: bool | None


@dataclass
class Section:
    title: str
    body: str
    goals: list[Goal] = field(default_factory=list)


@dataclass
class Context:
    quick: bool
    workdir: Path
    databases: list[str]
    pin: Pinning
    notes: list[str] = field(default_factory=list)
    baseline: Path | None = None

    def log(self, message: str) -> None:
        print(f"  .. {message}", file=sys.stderr, flush=True)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(met: bool | None) -> str:
    return {True: "met", False: "MISSED", None: "n/a"}[met]


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine() -> list[tuple[str, str]]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with open("/proc/meminfo") as info:
        for line in info:
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (absent)")
    rows = [
        ("CPUs", f"{os.cpu_count()} x {cpu}"),
        ("memory", memory),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        ("packages", ", ".join(versions)),
    ]
    if shutil.which("wrk"):
        rows.append(("load generator", "wrk (one thread)"))
    else:
        rows.append(("load generator", "bench.httpx_load (wrk not installed)"))
    return rows


def openpost_argv(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("openpost")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "entrypoints.cli", *args]


def service_env(database_url: str, secret_key: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENPOST_")}
    env["OPENPOST_DATABASE_URL"] = database_url
    env["OPENPOST_RATE_LIMIT"] = RATE_LIMIT
    if secret_key:
        env["OPENPOST_SECRET_KEY"] = secret_key
    return env


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """A server process on loopback, pinned, with its output kept in files of `cwd`."""

    def __init__(
        self,
        argv: list[str],
        *,
        env: dict[str, str],
        cwd: Path,
        pin: Pinning,
        port: int,
        ready_path: str = "/readyz",
    ) -> None:
        self.argv = [*pin.server, *argv]
        self.env, self.cwd, self.port, self.ready_path = env, cwd, port, ready_path
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_s = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 30.0) -> float:
        """Starts the process; returns the seconds until `ready_path` answered 200."""
        self.cwd.mkdir(parents=True, exist_ok=True)
        out = open(self.cwd / f"server-{self.port}.out", "wb")  # noqa: SIM115
        err = open(self.cwd / f"server-{self.port}.err", "wb")  # noqa: SIM115
        started = time.perf_counter()
        self.process = subprocess.Popen(
            self.argv, env=self.env, cwd=self.cwd, stdout=out, stderr=err
        )
        out.close()
        err.close()
        url = self.base_url + self.ready_path
        with httpx.Client(timeout=1.0) as client:
            while time.perf_counter() - started < timeout_s:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited early: {self.stderr()[-2000:]}")
                try:
                    if client.get(url).status_code == 200:
                        self.startup_s = time.perf_counter() - started
                        return self.startup_s
                except httpx.TransportError:
                    pass
                time.sleep(0.01)
        raise RuntimeError(f"server not ready after {timeout_s} s: {self.stderr()[-2000:]}")

    def stdout(self) -> str:
        return (self.cwd / f"server-{self.port}.out").read_text(errors="replace")

    def stderr(self) -> str:
        return (self.cwd / f"server-{self.port}.err").read_text(errors="replace")

    def rss_mib(self) -> float:
        assert self.process is not None
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=25)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve(
    ctx: Context,
    env: dict[str, str],
    home: Path,
    servers: ExitStack,
    tree: Path | str | None = None,
) -> Server:
    """`openpost serve --no-worker` on a free port, pinned like every served process, kept
    until `servers` closes; from another source tree (`tree`, its `src`) when given, for a
    before/after in one run."""
    if tree is not None:
        env = {
            **env,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")])),
        }
    port = free_port()
    argv = openpost_argv("serve", "--port", str(port), "--no-worker")
    return servers.enter_context(Server(argv, env=env, cwd=home, pin=ctx.pin, port=port))


@dataclass(frozen=True)
class Database:
    kind: str
    url: str
    home: Path
    secret_key: str | None

    @property
    def env(self) -> dict[str, str]:
        return service_env(self.url, self.secret_key)

    def settings_env(self) -> dict[str, str]:
        return {k: v for k, v in self.env.items() if k.startswith("OPENPOST_")}


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def postgres_available() -> str | None:
    """None when the server answers, else why not."""
    try:
        conn = await asyncpg.connect(_dsn(POSTGRES_ADMIN_URL), timeout=3)
    except (OSError, asyncpg.PostgresError) as error:
        return f"{type(error).__name__}: {error}"
    await conn.close()
    return None


async def postgres_version() -> str:
    conn = await asyncpg.connect(_dsn(POSTGRES_ADMIN_URL), timeout=3)
    try:
        version: str = await conn.fetchval("SHOW server_version")
        return version
    finally:
        await conn.close()


@asynccontextmanager
async def database(kind: str, workdir: Path) -> AsyncIterator[Database]:
    """A new, empty database: a SQLite file in its own folder, or a PostgreSQL database
    that is dropped afterwards."""
    home = workdir / f"{kind}-{secrets.token_hex(4)}"
    home.mkdir(parents=True)
    if kind == "sqlite":
        yield Database(kind, f"sqlite+aiosqlite:///{home / 'openpost.db'}", home, None)
        return
    name = "openpost_bench_" + secrets.token_hex(4)
    admin = await asyncpg.connect(_dsn(POSTGRES_ADMIN_URL), timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield Database(kind, url, home, generate_key())
    finally:
        admin = await asyncpg.connect(_dsn(POSTGRES_ADMIN_URL), timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def pg_dsn(url: str) -> str:
    return _dsn(url)


def quantile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def fmt_ms(value: float) -> str:
    if value != value:  # NaN
        return "-"
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


async def query_plan(db: Database, statement: str, params: Any, *, analyze: bool = False) -> str:
    """The plan of `statement` as the app sends it: SQLite's `EXPLAIN QUERY PLAN`, or
    PostgreSQL's `EXPLAIN` (with `analyze`: the rows each step really met, no timings)."""
    if db.kind == "sqlite":
        conn = sqlite3.connect(db.home / "openpost.db")
        try:
            rows = conn.execute("EXPLAIN QUERY PLAN " + statement, params).fetchall()
        finally:
            conn.close()
        return "\n".join(str(r[-1]) for r in rows)
    explain = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " if analyze else "EXPLAIN "
    pg = await asyncpg.connect(pg_dsn(db.url))
    try:
        found = await pg.fetch(explain + statement, *params)
    finally:
        await pg.close()
    return "\n".join(r[0] for r in found)


Row = TypeVar("Row", bound=Sequence[Any])


def chunks(
    source: Iterator[tuple[Row, list[Row]]], size: int
) -> Iterator[tuple[list[Row], list[Row]]]:
    """Posts with their targets, gathered into batches of about `size` targets, for a bulk
    load that never holds the whole set in memory."""
    post_rows: list[Row] = []
    target_rows: list[Row] = []
    for post, targets in source:
        post_rows.append(post)
        target_rows += targets
        if len(target_rows) >= size:
            yield post_rows, target_rows
            post_rows, target_rows = [], []
    if post_rows:
        yield post_rows, target_rows


def insert_sql(table_name: str, columns: tuple[str, ...]) -> str:
    """SQLite's INSERT of one row into `table_name`, with a `?` per column."""
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table_name} ({', '.join(columns)}) VALUES ({marks})"


async def count_posts(db: Database, content_like: str | None = None) -> int:
    """Posts in `db`'s database, all of them or those whose content matches the SQL LIKE
    pattern `content_like`."""
    where, args = ("", ()) if content_like is None else (" WHERE content LIKE ?", (content_like,))
    if db.kind == "sqlite":
        with sqlite3.connect(db.url.split(":///", 1)[1]) as conn:
            (count,) = conn.execute("SELECT count(*) FROM posts" + where, args).fetchone()
            return int(count)
    conn = await asyncpg.connect(pg_dsn(db.url), timeout=5)
    try:
        sql = "SELECT count(*) FROM posts" + where.replace("?", "$1")
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()
