"""A 300 MB upload to a real `openpost serve` process: the server's resident memory grows
by less than 32 MiB while it streams the file to the filesystem store."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from bench.media import peak_rss_during, rss_kib
from bench.media_files import write_video

from tests.support.serve import base_env, demo_key, serve

UPLOAD_BYTES = 300_000_000
GROWTH_LIMIT_KIB = 32 * 1024


def post_file(url: str, key: str, path: Path, answers: list[httpx.Response]) -> None:
    with path.open("rb") as file, httpx.Client(timeout=600) as client:
        answers.append(
            client.post(
                f"{url}/v1/media",
                headers={"Authorization": f"Bearer {key}"},
                files={"file": (path.name, file, "application/octet-stream")},
            )
        )


@pytest.mark.slow
def test_a_300_mb_upload_does_not_grow_the_server(tmp_path: Path) -> None:
    env = base_env(
        OPENPOST_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'openpost.db'}",
        OPENPOST_MEDIA_DIR=str(tmp_path / "media"),
        OPENPOST_RATE_LIMIT="0",
    )
    small = write_video(tmp_path / "small.mp4", 2_000_000)
    big = write_video(tmp_path / "big.mp4", UPLOAD_BYTES)
    with serve(tmp_path, env, "--no-worker") as server:
        key, answers = demo_key(server), []  # type: ignore[var-annotated]
        post_file(server.url, key, small, answers)  # loads Pillow and PyAV first
        before = rss_kib(server.process.pid)
        work = threading.Thread(target=post_file, args=(server.url, key, big, answers))
        peak = peak_rss_during(server.process.pid, work)
    assert [a.status_code for a in answers] == [201, 201], answers[-1].text
    assert answers[1].json()["size_bytes"] == UPLOAD_BYTES
    assert peak - before < GROWTH_LIMIT_KIB, f"grew {(peak - before) / 1024:.1f} MiB"
