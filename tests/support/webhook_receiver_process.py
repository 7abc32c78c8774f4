"""Starts the webhook receiver (`webhook_receiver.py`) as a process of its own and talks
to its control paths."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


class ReceiverProcess:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.port = port

    def url(self, path: str) -> str:
        return self.base + path

    async def _post(self, command: str, payload: dict[str, Any]) -> None:
        async with httpx.AsyncClient() as client:
            (await client.post(f"{self.base}/_control/{command}", json=payload)).raise_for_status()

    async def verify_with(self, path: str, *secrets: str) -> None:
        await self._post("secrets", {"path": path, "secrets": list(secrets)})

    async def script(self, path: str, *answers: int) -> None:
        await self._post("script", {"path": path, "answers": list(answers)})

    async def log(self, path: str | None = None) -> list[dict[str, Any]]:
        async with httpx.AsyncClient() as client:
            entries: list[dict[str, Any]] = (await client.get(f"{self.base}/_control/log")).json()
        return [e for e in entries if path is None or e["path"] == path]


@contextmanager
def receiver_process() -> Iterator[ReceiverProcess]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.webhook_receiver"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("port="):
            raise RuntimeError(f"the webhook receiver did not start: {line!r}")
        yield ReceiverProcess(int(line.removeprefix("port=")))
    finally:
        process.terminate()
        process.wait(timeout=10)
