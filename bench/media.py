"""(f) Media uploads to the filesystem store through `openpost serve`: throughput of a
100 MB video against `cp` of the same bytes to the same disk (goal: at least 0.5 of it),
and the server's resident memory during a 300 MB upload (goal: less than 32 MiB more than
before it). The server spools, probes and stores the upload; none of it is buffered."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path

import httpx

from bench.media_files import write_video
from bench.support import (
    Context,
    Goal,
    Section,
    Server,
    free_port,
    openpost_argv,
    service_env,
    table,
)

NAME = "media"
TITLE = "Media uploads"
MB = 1_000_000
RSS_GOAL_MIB = 32.0
RATIO_GOAL = 0.5


def demo_key(server: Server) -> str:
    for line in server.stdout().splitlines():
        if line.startswith("demo "):
            return dict(part.split("=", 1) for part in line.split()[1:])["api_key"]
    raise RuntimeError("no demo line")


def upload(base_url: str, key: str, path: Path) -> float:
    started = time.perf_counter()
    with path.open("rb") as file, httpx.Client(timeout=600) as client:
        answer = client.post(
            f"{base_url}/v1/media",
            headers={"Authorization": f"Bearer {key}"},
            files={"file": (path.name, file, "video/mp4")},
        )
    if answer.status_code != 201:
        raise RuntimeError(f"upload answered {answer.status_code}: {answer.text[:300]}")
    return time.perf_counter() - started


def copy_seconds(source: Path, target: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["cp", str(source), str(target)], check=True)
    seconds = time.perf_counter() - started
    target.unlink()
    return seconds


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def peak_rss_during(pid: int, work: threading.Thread) -> int:
    """The highest RSS seen while `work` runs, sampled every 20 ms."""
    peak = rss_kib(pid)
    work.start()
    while work.is_alive():
        peak = max(peak, rss_kib(pid))
        work.join(0.02)
    return max(peak, rss_kib(pid))


def measure(ctx: Context, home: Path, big_mb: int, huge_mb: int) -> dict[str, float]:
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = service_env(f"sqlite+aiosqlite:///{home / 'openpost.db'}", None)
    env["OPENPOST_MEDIA_DIR"] = str(home / "media")
    env["OPENPOST_RATE_LIMIT"] = "0"
    server = Server(
        openpost_argv("serve", "--port", str(port), "--no-worker"),
        env=env,
        cwd=home,
        pin=ctx.pin,
        port=port,
    )
    big = write_video(home / "big.mp4", big_mb * MB)
    huge = write_video(home / "huge.mp4", huge_mb * MB)
    with server:
        key = demo_key(server)
        assert server.process is not None
        upload(server.base_url, key, write_video(home / "warm.mp4", 2 * MB))
        upload_s = min(upload(server.base_url, key, big) for _ in range(2))
        cp_s = min(copy_seconds(big, home / "copy.mp4") for _ in range(2))
        before = rss_kib(server.process.pid)
        work = threading.Thread(target=upload, args=(server.base_url, key, huge))
        peak = peak_rss_during(server.process.pid, work)
    for path in (big, huge):
        path.unlink()
    shutil.rmtree(home / "media", ignore_errors=True)
    return {
        "upload_s": upload_s,
        "cp_s": cp_s,
        "ratio": cp_s / upload_s,
        "rss_before_mib": before / 1024,
        "rss_growth_mib": (peak - before) / 1024,
    }


async def run(ctx: Context) -> Section:
    big_mb, huge_mb = (20, 60) if ctx.quick else (100, 300)
    m = measure(ctx, ctx.workdir / "media-bench", big_mb, huge_mb)
    rows = [
        [
            f"upload {big_mb} MB video (filesystem store)",
            f"{m['upload_s']:.2f} s",
            f"{big_mb / m['upload_s']:.0f} MB/s",
        ],
        [f"cp {big_mb} MB, same disk", f"{m['cp_s']:.2f} s", f"{big_mb / m['cp_s']:.0f} MB/s"],
        [
            f"RSS during a {huge_mb} MB upload",
            f"+{m['rss_growth_mib']:.1f} MiB",
            f"from {m['rss_before_mib']:.0f} MiB",
        ],
    ]
    goals = [
        Goal("upload throughput / cp", f">= {RATIO_GOAL}", f"{m['ratio']:.2f}", m["ratio"] >= RATIO_GOAL),
        Goal(f"RSS growth, {huge_mb} MB upload", f"< {RSS_GOAL_MIB:.0f} MiB", f"{m['rss_growth_mib']:.1f} MiB", m["rss_growth_mib"] < RSS_GOAL_MIB),
    ]  # fmt: skip
    return Section(TITLE, table(["what", "time / memory", "rate"], rows), goals)
