"""(d) Start-up: `openpost serve --no-worker` from launch until `/readyz` answers 200, on a
fresh database (migrations, the demo workspace, on SQLite the key file) and on an existing
one; and the process's resident memory once ready. Memory after load is in the HTTP table.

The served sources are byte-compiled first, as installing the package does: a checkout run
with PYTHONDONTWRITEBYTECODE set would otherwise compile its 130 modules at every start."""

from __future__ import annotations

import compileall
import importlib.util
import statistics
import time
from pathlib import Path

from bench.support import Context, Goal, Section, Server, database, free_port, openpost_argv, table

NAME = "footprint"
TITLE = "Start-up and memory"
GOAL_S = 2.0


def start_once(ctx: Context, db_env: dict[str, str], home: Path) -> tuple[float, float, str]:
    port = free_port()
    argv = openpost_argv("serve", "--port", str(port), "--no-worker")
    server = Server(argv, env=db_env, cwd=home, pin=ctx.pin, port=port)
    try:
        seconds = server.start()
        time.sleep(0.3)
        return seconds, server.rss_mib(), server.stdout()
    finally:
        server.stop()


def compile_sources() -> Path:
    """Byte-compiles the source tree the servers import (`PYTHONPATH` may name another)."""
    spec = importlib.util.find_spec("entrypoints")
    assert spec is not None and spec.submodule_search_locations
    src = Path(next(iter(spec.submodule_search_locations))).parent
    if not compileall.compile_dir(src, quiet=1):
        raise RuntimeError(f"{src} does not compile")
    return src


async def run(ctx: Context) -> Section:
    rows, goals = [], []
    ctx.log(f"byte-compiled {compile_sources()}")
    repeats = 1 if ctx.quick else 3
    for kind in ctx.databases:
        async with database(kind, ctx.workdir) as db:
            ctx.log(f"start-up on a fresh {kind} database")
            fresh_s, fresh_rss, out = start_once(ctx, db.env, db.home)
            if "demo workspace_id=" not in out:
                raise RuntimeError(f"no demo workspace line on a fresh database: {out!r}")
            ctx.log(f"start-up on an existing {kind} database")
            again = [start_once(ctx, db.env, db.home) for _ in range(repeats)]
        existing_s = statistics.median(s for s, _, _ in again)
        existing_rss = statistics.median(r for _, r, _ in again)
        rows.append([kind, "fresh (schema + demo workspace)", f"{fresh_s:.2f}", f"{fresh_rss:.0f}"])
        rows.append(
            [kind, f"existing (median of {repeats})", f"{existing_s:.2f}", f"{existing_rss:.0f}"]
        )
        for label, seconds in (("fresh", fresh_s), ("existing", existing_s)):
            goals.append(
                Goal(
                    f"serve start until /readyz, {label} {kind}",
                    f"<= {GOAL_S:.0f} s",
                    f"{seconds:.2f} s",
                    seconds <= GOAL_S,
                )
            )
    body = "\n".join(
        [
            f"Pinned like the HTTP runs ({ctx.pin.description}); RSS 0.3 s after ready; the "
            "sources byte-compiled first, as an install does.",
            "",
            table(["database", "start", "seconds to /readyz", "RSS idle MiB"], rows),
        ]
    )
    return Section(TITLE, body, goals)
