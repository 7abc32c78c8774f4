"""A worker process for the publisher tests: `python -m tests.e2e.publisher_process
DATABASE_URL SECRET_KEY SEND_LOG [hang]`. It publishes through a recording platform that
appends every send to SEND_LOG, and stops on SIGTERM like `openpost worker`."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from entrypoints.composition import build_container
from entrypoints.settings import load_settings
from entrypoints.worker import run_worker
from tests.e2e.publishing_support import RecordingPlatforms, recording


async def main(url: str, secret: str, log: Path, hang: bool) -> None:
    settings = load_settings(
        {
            "OPENPOST_DATABASE_URL": url,
            "OPENPOST_SECRET_KEY": secret,
            "OPENPOST_WORKER_CONCURRENCY": "8",
            "OPENPOST_PUBLISH_LEASE_S": "2" if hang else "120",
            "OPENPOST_SHUTDOWN_GRACE_S": "1",
        },
        dotenv=None,
    )
    container = build_container(settings, RecordingPlatforms(recording(log, hang=hang)))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await run_worker(container, settings, stop, poll_interval_s=0.05, shutdown_grace_s=5)
    finally:
        await container.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3]), "hang" in sys.argv[4:]))
