"""One process asking for usable credentials once, as a worker would, for the
concurrency tests: `python -m tests.support.refresh_once INTEGRATION_ID START_AT`.

Configured like `openpost` itself (OPENPOST_* variables, the real container). Waits until
the wall clock reaches START_AT (epoch seconds), so several processes ask at once, then
prints `token=<sha256 of the access token>` or `rejected=<reason>`."""

from __future__ import annotations

import asyncio
import hashlib
import sys
import time
from uuid import UUID

from application.ports.platforms import CredentialsRejected
from application.refresh_credentials import RefreshCredentials
from entrypoints.composition import build_container
from entrypoints.settings import load_settings


async def main(integration_id: UUID, start_at: float) -> str:
    container = build_container(load_settings(dotenv=None))
    try:
        refresh = await container.get(RefreshCredentials)
        await asyncio.sleep(max(0.0, start_at - time.time()))
        try:
            credentials = await refresh.execute(integration_id)
        except CredentialsRejected as rejected:
            return f"rejected={rejected.reason}"
        token = credentials.credentials.access_token
        return "token=" + hashlib.sha256(token.encode()).hexdigest()
    finally:
        await container.close()


if __name__ == "__main__":
    print(asyncio.run(main(UUID(sys.argv[1]), float(sys.argv[2]))), flush=True)
