"""(f) Media uploads to the filesystem store through `openpost serve`: throughput of a
100 MB video against `cp` of the same bytes to the same disk (goal: at least 0.5 of it),
and the server's resident memory during a 300 MB upload (goal: less than 32 MiB more than
before it). The server spools, probes and stores the upload; none of it is buffered.

The client is curl, pinned to the load generator's CPU, where it is installed (httpx in
this process otherwise): its multipart encoding would otherwise be measured with the
server. The server must also hash what it receives (the SHA-256 is the media's `sha256`
and ETag) and write it, so the table also gives the ceiling on one CPU: hashing and
writing the same bytes in-process, with no HTTP at all, against the same `cp`.

Upload and `cp` alternate and meet the same page cache: both keep what they wrote (the
goal's figures), then both remove it at once (memory handed back and reused by the next
one). The two differ on a virtual machine where memory never touched before is slow to
fault in: there, writing into fresh page cache costs as much as the rest of the work.

Memory is measured first, on a server that has handled only a 2 MB warm-up upload, as the
kernel's high-water mark of its RSS, reset just before the 300 MB upload."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from contextlib import suppress
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


def curl_upload(base_url: str, key: str, path: Path, pin: list[str]) -> tuple[float, str]:
    """Seconds the upload took, and the new media's id."""
    argv = [*pin, "curl", "-s", "-w", "\n%{http_code}"]
    argv += ["-H", f"Authorization: Bearer {key}", "-F", f"file=@{path};type=video/mp4"]
    started = time.perf_counter()
    done = subprocess.run([*argv, f"{base_url}/v1/media"], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    answer, _, status = done.stdout.rpartition("\n")
    if status != "201":
        raise RuntimeError(f"upload answered {status}: {answer[:300]} {done.stderr[:300]}")
    return seconds, json.loads(answer)["id"]


def upload(base_url: str, key: str, path: Path) -> tuple[float, str]:
    started = time.perf_counter()
    with path.open("rb") as file, httpx.Client(timeout=600) as client:
        answer = client.post(
            f"{base_url}/v1/media",
            headers={"Authorization": f"Bearer {key}"},
            files={"file": (path.name, file, "video/mp4")},
        )
    if answer.status_code != 201:
        raise RuntimeError(f"upload answered {answer.status_code}: {answer.text[:300]}")
    return time.perf_counter() - started, answer.json()["id"]


def delete_media(base_url: str, key: str, media_id: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    httpx.delete(f"{base_url}/v1/media/{media_id}", headers=headers).raise_for_status()


def copy_seconds(source: Path, target: Path, pin: list[str]) -> float:
    """`cp` on the server's CPU, as the server runs; the copy is left in place."""
    started = time.perf_counter()
    subprocess.run([*pin, "cp", str(source), str(target)], check=True)
    return time.perf_counter() - started


def hash_and_write_seconds(source: Path, target: Path) -> float:
    """What the server cannot avoid, without HTTP: read, hash and write the bytes in 256 KiB
    pieces (the size the server receives them in)."""
    started = time.perf_counter()
    with source.open("rb") as given, target.open("wb") as kept:
        digest = hashlib.sha256()
        while piece := given.read(256 * 1024):
            digest.update(piece)
            kept.write(piece)
    seconds = time.perf_counter() - started
    target.unlink()
    return seconds


def scheduled(pid: int) -> tuple[float, float]:
    """Seconds the process has run on a CPU (all its threads, ended ones too), and its
    live threads have waited for one (runnable, but others ran): on a loaded machine the
    second is most of an upload's time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ran = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    waited = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with suppress(FileNotFoundError, ValueError):
            waited += int((task / "schedstat").read_text().split()[1])
    return ran, waited / 1e9


def on_cpus(cpus: set[int], work: Callable[[Path, Path], float], *args: Path) -> float:
    """`work` run by this process on `cpus` alone (the server's), as the server runs."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        return work(*args)
    finally:
        os.sched_setaffinity(0, before)


def status_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return 0


def rss_kib(pid: int) -> int:
    return status_kib(pid, "VmRSS")


def reset_peak_rss(pid: int) -> bool:
    """Sets the kernel's high-water mark of the process's RSS (`VmHWM`) back to its RSS
    now (`clear_refs` 5); False where that is not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_during(pid: int, work: threading.Thread) -> int:
    """The highest RSS of `pid` while `work` runs: the kernel's own high-water mark, reset
    just before, so that no short peak between two readings is missed (and polled every
    20 ms as well, for where it cannot be reset)."""
    exact = reset_peak_rss(pid)
    peak = rss_kib(pid)
    work.start()
    while work.is_alive():
        peak = max(peak, rss_kib(pid))
        work.join(0.02)
    peak = max(peak, rss_kib(pid))
    return max(peak, status_kib(pid, "VmHWM")) if exact else peak


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
    curl = shutil.which("curl") is not None
    server_cpus = {int(ctx.pin.server[-1])} if ctx.pin.server else os.sched_getaffinity(0)
    copies = home / "copies"
    copies.mkdir()

    def send(base_url: str, key: str, path: Path) -> tuple[float, str]:
        return (
            curl_upload(base_url, key, path, ctx.pin.load) if curl else upload(base_url, key, path)
        )

    with server:
        key = demo_key(server)
        assert server.process is not None
        pid = server.process.pid
        send(server.base_url, key, write_video(home / "warm.mp4", 2 * MB))  # loads PyAV
        # Memory first, while the server has handled nothing larger than the warm-up.
        before = rss_kib(pid)
        sent: list[tuple[float, str]] = []
        work = threading.Thread(target=lambda: sent.append(send(server.base_url, key, huge)))
        peak = peak_rss_during(pid, work)
        delete_media(server.base_url, key, sent[0][1])
        huge.unlink()
        # Kept: each upload stays in the store and each copy on the disk, as they would.
        # Upload and `cp` alternate, so both meet the same page cache and the same load.
        ran, waited = scheduled(pid)
        kept_up, kept_cp = [], []
        for index in range(3):
            kept_up.append(send(server.base_url, key, big)[0])
            kept_cp.append(copy_seconds(big, copies / str(index), ctx.pin.server))
        ran_after, waited_after = scheduled(pid)
        # Removed: each upload deleted and each copy unlinked at once, so the next one
        # reuses the memory they held; what is left is mostly the CPU's work.
        gone_up, gone_cp = [], []
        for _ in range(3):
            seconds, media_id = send(server.base_url, key, big)
            gone_up.append(seconds)
            delete_media(server.base_url, key, media_id)
            gone_cp.append(copy_seconds(big, copies / "gone", ctx.pin.server))
            (copies / "gone").unlink()
        floor_s = min(
            on_cpus(server_cpus, hash_and_write_seconds, big, home / "f") for _ in range(3)
        )
    big.unlink()
    shutil.rmtree(home / "media", ignore_errors=True)
    shutil.rmtree(copies, ignore_errors=True)
    upload_s, cp_s = min(kept_up), min(kept_cp)
    return {
        "upload_s": upload_s,
        "cp_s": cp_s,
        "ratio": cp_s / upload_s,
        "gone_upload_s": min(gone_up),
        "gone_cp_s": min(gone_cp),
        "gone_ratio": min(gone_cp) / min(gone_up),
        "floor_s": floor_s,
        "server_cpu_s": (ran_after - ran) / 3,
        "server_wait_s": (waited_after - waited) / 3,
        "client_is_curl": float(curl),
        "rss_before_mib": before / 1024,
        "rss_growth_mib": (peak - before) / 1024,
    }


async def run(ctx: Context) -> Section:
    big_mb, huge_mb = (20, 60) if ctx.quick else (100, 300)
    m = measure(ctx, ctx.workdir / "media-bench", big_mb, huge_mb)
    rows = [
        [
            f"upload {big_mb} MB video (filesystem store), uploads kept",
            f"{m['upload_s']:.2f} s",
            f"{big_mb / m['upload_s']:.0f} MB/s",
        ],
        [
            "the server per kept upload: on its CPU / waiting for it",
            f"{m['server_cpu_s']:.2f} s / {m['server_wait_s']:.2f} s",
            f"{big_mb / m['server_cpu_s']:.0f} MB/s of CPU",
        ],
        [
            f"cp {big_mb} MB, same disk, server's CPU, copies kept",
            f"{m['cp_s']:.2f} s",
            f"{big_mb / m['cp_s']:.0f} MB/s",
        ],
        [
            "upload, each deleted at once (memory reused)",
            f"{m['gone_upload_s']:.2f} s",
            f"{big_mb / m['gone_upload_s']:.0f} MB/s",
        ],
        [
            "cp, each copy unlinked at once (memory reused)",
            f"{m['gone_cp_s']:.2f} s",
            f"upload {m['gone_ratio']:.2f} of cp",
        ],
        [
            f"ceiling: SHA-256 + write of {big_mb} MB in-process, no HTTP, server's CPU",
            f"{m['floor_s']:.2f} s",
            f"{m['gone_cp_s'] / m['floor_s']:.2f} of cp (unlinked)",
        ],
        [
            f"RSS during a {huge_mb} MB upload (peak, kernel's high-water mark)",
            f"+{m['rss_growth_mib']:.1f} MiB",
            f"from {m['rss_before_mib']:.0f} MiB",
        ],
    ]
    goals = [
        Goal("upload throughput / cp (both kept)", f">= {RATIO_GOAL}", f"{m['ratio']:.2f}", m["ratio"] >= RATIO_GOAL),
        Goal(f"RSS growth, {huge_mb} MB upload", f"< {RSS_GOAL_MIB:.0f} MiB", f"{m['rss_growth_mib']:.1f} MiB", m["rss_growth_mib"] < RSS_GOAL_MIB),
    ]  # fmt: skip
    client = "curl (pinned)" if m["client_is_curl"] else "httpx"
    body = f"Client: {client}; best of 3.\n\n" + table(["what", "time / memory", "rate"], rows)
    return Section(TITLE, body, goals)
