"""A real `openpost` process on loopback, for tests that must see the service as a user
does: the console script, its environment, its stdout, its signals."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

OPENPOST = Path(sys.executable).parent / "openpost"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENPOST_")}
    env.update(overrides)
    return env


def run_cli(*args: str, cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(OPENPOST), *args], cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=60
    )


@dataclass
class ServeProcess:
    process: subprocess.Popen[str]
    url: str
    stdout_lines: list[str] = field(default_factory=list)
    stderr_lines: list[str] = field(default_factory=list)
    _drain: threading.Thread | None = None

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def start_draining_stderr(self) -> None:
        """Reads the logs as they come: a pipe nobody reads fills up (64 KiB) and then
        blocks the server on its next log line."""
        stream = self.process.stderr
        if stream is None:
            return
        self._drain = threading.Thread(
            target=lambda: self.stderr_lines.extend(stream), daemon=True
        )
        self._drain.start()

    def logs(self) -> str:
        """Everything the process wrote to stderr; complete once it has exited."""
        if self._drain is not None and self.process.poll() is not None:
            self._drain.join(timeout=10)
        return "".join(self.stderr_lines)


@contextmanager
def serve(
    cwd: Path,
    env: Mapping[str, str],
    *args: str,
    ready_timeout: float = 30,
    port: int | None = None,
) -> Iterator[ServeProcess]:
    """Starts `openpost serve` on `port` (a free one by default) and waits until /readyz
    answers."""
    port = port or free_port()
    process = subprocess.Popen(
        [str(OPENPOST), "serve", "--port", str(port), *args],
        cwd=cwd, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    server = ServeProcess(process=process, url=f"http://127.0.0.1:{port}")
    server.start_draining_stderr()
    try:
        _wait_ready(server, ready_timeout)
        yield server
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


def _wait_ready(server: ServeProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"openpost serve exited with {server.process.returncode}: {server.logs()}"
            )
        try:
            if httpx.get(server.url + "/readyz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.05)  # polling for readiness, not timing a behaviour
    else:
        raise TimeoutError("openpost serve did not become ready")
    # The demo line, when there is one, is printed before the server listens.
    if server.process.stdout is not None:
        os.set_blocking(server.process.stdout.fileno(), False)
        try:
            chunk = server.process.stdout.read() or ""
        except TypeError:  # nothing printed: the non-blocking read gave the decoder None
            chunk = ""
        os.set_blocking(server.process.stdout.fileno(), True)
        server.stdout_lines.extend(chunk.splitlines())


def demo_key(server: ServeProcess) -> str:
    for line in server.stdout_lines:
        if line.startswith("demo "):
            return dict(part.split("=", 1) for part in line.split()[1:])["api_key"]
    raise AssertionError(f"no demo line in {server.stdout_lines}")
