"""`python -m bench [--quick] [--only NAME ...]`: runs the benchmarks, prints the report and
writes it to `bench/results/latest.md`. Exits 1 when a benchmark fails to run; a missed goal
is reported, not fatal (`--strict` makes it fatal)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from bench import (
    footprint,
    http_api,
    http_writes,
    media,
    mixed,
    post_list,
    post_scale,
    publish,
    publish_media,
    queue_scale,
    queue_slots,
    scale,
    slots,
    threads,
    webhooks,
)
from bench.support import (
    RESULTS,
    Context,
    Section,
    loadavg,
    machine,
    pinning,
    postgres_available,
    postgres_version,
    table,
    verdict,
)

# In the order they run.
BENCHMARKS: dict[str, ModuleType] = {
    module.NAME: module
    for module in (
        slots,
        queue_slots,
        http_api,
        http_writes,
        post_list,
        mixed,
        scale,
        post_scale,
        queue_scale,
        footprint,
        publish,
        media,
        publish_media,
        webhooks,
        threads,
    )
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="CI smoke mode (about 6 minutes in all)")
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHMARKS), help="run only these (repeatable)"
    )
    parser.add_argument(
        "--db", action="append", choices=["sqlite", "postgres"], help="databases (default: both)"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.md")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another source tree (its src/ folder) also served in the HTTP runs, for before/after",
    )
    return parser


async def _main(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    load_before = loadavg()
    databases = args.db or ["sqlite", "postgres"]
    notes: list[str] = []
    pg_version = "-"
    if "postgres" in databases:
        why = await postgres_available()
        if why is None:
            pg_version = await postgres_version()
        else:
            databases.remove("postgres")
            notes.append(f"PostgreSQL skipped: {why}")
    names = args.only or list(BENCHMARKS)
    sections: list[Section] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="openpost-bench-") as workdir:
        ctx = Context(args.quick, Path(workdir), databases, pinning(), notes, args.baseline)
        for name in names:
            print(f"== {name}", file=sys.stderr, flush=True)
            began = time.perf_counter()
            try:
                sections.append(await BENCHMARKS[name].run(ctx))
            except Exception:
                failed = True
                sections.append(
                    Section(f"{name}: FAILED", "```\n" + traceback.format_exc() + "```")
                )
            took = time.perf_counter() - began
            print(f"== {name}: {took:.0f} s", file=sys.stderr, flush=True)
    report = _render(args, sections, ctx, pg_version, load_before, time.perf_counter() - started)
    print(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    missed = any(g.met is False for s in sections for g in s.goals)
    return 1 if failed or (args.strict and missed) else 0


def _render(
    args: argparse.Namespace,
    sections: list[Section],
    ctx: Context,
    pg_version: str,
    load_before: str,
    elapsed: float,
) -> str:
    command = "python -m bench" + (" --quick" if args.quick else "")
    command += "".join(f" --only {n}" for n in args.only or [])
    command += "".join(f" --db {d}" for d in args.db or [])
    command += f" --baseline {args.baseline}" if args.baseline else ""
    facts = [
        ("when", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("command", f"`{command}`"),
        *machine(),
        ("PostgreSQL", pg_version),
        ("pinning", ctx.pin.description),
        ("load average (1/5/15 min)", f"before {load_before}; after {loadavg()}"),
        ("duration", f"{elapsed:.0f} s"),
    ]
    goals = [[g.what, g.target, g.measured, verdict(g.met)] for s in sections for g in s.goals]
    parts = [
        "# Benchmark results",
        "",
        table(["", ""], facts),
        "",
        *(f"- {note}" for note in ctx.notes),
        "",
        "## Goals",
        "",
        table(["goal", "target", "measured", "verdict"], goals),
    ]
    for section in sections:
        parts += ["", f"## {section.title}", "", section.body]
    return "\n".join(parts) + "\n"


def main() -> None:
    sys.exit(asyncio.run(_main(_parser().parse_args())))


if __name__ == "__main__":
    main()
