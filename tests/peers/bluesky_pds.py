"""Local Bluesky PDS test peer: the official PDS + an in-memory PLC, on loopback.

The Bluesky adapter is tested against the real server, not a fake, so protocol details
(error names, status codes, session rules) come from the source of truth. The Node side is
``tests/peers/bluesky/launcher.mjs``; install it once with ``tests/peers/bluesky/install.sh``.

In a conftest (importing it in a test module trips ruff F811)::

    from tests.peers.bluesky_pds import bluesky_pds  # noqa: F401

Seeding helpers are synchronous (plain ``httpx.Client``) so they work in sync and async tests
alike and never depend on the test's event loop.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

PEER_DIR = Path(__file__).parent / "bluesky"
LAUNCHER = PEER_DIR / "launcher.mjs"
READY_TIMEOUT = 60.0
SQLITE_BINARY = PEER_DIR / "node_modules/better-sqlite3/build/Release/better_sqlite3.node"


class PdsError(Exception):
    """An XRPC call made by a seeding helper failed (not expected in a healthy setup)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        super().__init__(f"{response.request.url.path}: {response.status_code} {response.text}")


@dataclass
class PdsAccount:
    """An account on the local PDS. ``password`` is the main password; JWTs are from creation."""

    handle: str
    did: str
    password: str
    email: str
    access_jwt: str
    refresh_jwt: str


def missing_requirement() -> str | None:
    """Why the peer cannot run here, or None when node and node_modules are in place."""
    if shutil.which("node") is None:
        return "Bluesky PDS peer: `node` is not on PATH (Node 20 needed)"
    if not (PEER_DIR / "node_modules/@atproto/pds").is_dir() or not SQLITE_BINARY.is_file():
        return "Bluesky PDS peer: node_modules missing, run tests/peers/bluesky/install.sh"
    return None


class LocalPds:
    """A running launcher process plus XRPC helpers to seed and inspect it."""

    def __init__(self, proc: subprocess.Popen[str], ready: dict[str, Any], log: IO[bytes]) -> None:
        self._proc = proc
        self._log = log
        self.url: str = ready["pds_url"]
        self.plc_url: str = ready["plc_url"]
        self.http = httpx.Client(base_url=self.url, timeout=30.0)

    # ---- process lifecycle -------------------------------------------------------------

    @classmethod
    def start(cls, timeout: float = READY_TIMEOUT) -> LocalPds:
        """Start the launcher and wait for its JSON ready line (startup takes about 3 s)."""
        # The launcher's stderr: anonymous, so never left behind; closed in stop().
        log = tempfile.TemporaryFile()  # noqa: SIM115
        proc = subprocess.Popen(  # stdin stays open: the launcher exits when it closes
            ["node", str(LAUNCHER)],
            cwd=PEER_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_pump, args=(proc, lines), daemon=True).start()
        ready = _wait_ready(lines, timeout)
        if ready is None:
            _stop_process(proc)
            log.seek(0)
            tail = log.read().decode(errors="replace")[-3000:]
            log.close()
            raise RuntimeError(
                f"Bluesky PDS peer not ready within {timeout} s "
                f"(exit code {proc.returncode}); its stderr:\n{tail}"
            )
        return cls(proc, ready, log)

    def stop(self) -> None:
        """SIGTERM the launcher (it removes its temp dirs), then drop the log."""
        self.http.close()
        _stop_process(self._proc)
        self._log.close()

    # ---- raw XRPC ----------------------------------------------------------------------

    def xrpc(
        self,
        nsid: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        token: str | None = None,
        post: bool = False,
    ) -> httpx.Response:
        """Call an XRPC method as-is, for asserting raw behaviour.

        POST when ``body`` is given or ``post`` is true; some procedures (refreshSession)
        reject any body, even ``{}``, so ``post=True`` sends none.
        """
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if body is not None or post:
            return self.http.post(f"/xrpc/{nsid}", json=body, headers=headers)
        return self.http.get(f"/xrpc/{nsid}", params=params, headers=headers)

    def _call(self, nsid: str, **kwargs: Any) -> dict[str, Any]:
        response = self.xrpc(nsid, **kwargs)
        if response.status_code != 200:
            raise PdsError(response)
        return response.json() if response.content else {}

    # ---- seeding -----------------------------------------------------------------------

    def create_account(
        self,
        handle: str | None = None,
        password: str | None = None,
        display_name: str | None = None,
    ) -> PdsAccount:
        """Create an account with a unique short handle (``u<8 hex>.test`` unless given)."""
        handle = handle or f"u{secrets.token_hex(4)}.test"
        password = password or secrets.token_urlsafe(12)
        email = f"{handle.split('.')[0]}@example.com"
        data = self._call(
            "com.atproto.server.createAccount",
            body={"handle": handle, "email": email, "password": password},
        )
        account = PdsAccount(
            data["handle"], data["did"], password, email, data["accessJwt"], data["refreshJwt"]
        )
        if display_name is not None:
            self.set_display_name(account, display_name)
        return account

    def set_display_name(self, account: PdsAccount, display_name: str) -> None:
        """Write the ``app.bsky.actor.profile/self`` record (there is no AppView to ask)."""
        self._call(
            "com.atproto.repo.putRecord",
            token=account.access_jwt,
            body={
                "repo": account.did,
                "collection": "app.bsky.actor.profile",
                "rkey": "self",
                "record": {"$type": "app.bsky.actor.profile", "displayName": display_name},
            },
        )

    def create_app_password(self, account: PdsAccount, name: str | None = None) -> str:
        """Create an app password and return it (``xxxx-xxxx-xxxx-xxxx``)."""
        name = name or f"app-{secrets.token_hex(3)}"
        data = self._call(
            "com.atproto.server.createAppPassword", token=account.access_jwt, body={"name": name}
        )
        return str(data["password"])

    def revoke_app_password(self, account: PdsAccount, name: str) -> None:
        """Revoke an app password: logins and refreshes with it fail from now on."""
        self._call(
            "com.atproto.server.revokeAppPassword", token=account.access_jwt, body={"name": name}
        )

    def create_session(self, identifier: str, password: str) -> dict[str, Any]:
        """Log in over XRPC (counts as a createSession); returns the raw session JSON."""
        return self._call(
            "com.atproto.server.createSession",
            body={"identifier": identifier, "password": password},
        )

    # ---- inspection --------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """XRPC calls seen by the PDS since the last reset, by NSID (to prove session reuse)."""
        response = self.http.get("/_test/counts")
        response.raise_for_status()
        return dict(response.json())

    def reset_counts(self) -> None:
        self.http.post("/_test/counts/reset").raise_for_status()

    def get_record(self, did: str, collection: str, rkey: str) -> dict[str, Any] | None:
        """``{"uri", "cid", "value"}`` of a record, or None when it does not exist."""
        response = self.xrpc(
            "com.atproto.repo.getRecord",
            params={"repo": did, "collection": collection, "rkey": rkey},
        )
        if response.status_code == 400 and response.json().get("error") == "RecordNotFound":
            return None
        if response.status_code != 200:
            raise PdsError(response)
        return dict(response.json())

    def list_records(self, did: str, collection: str, limit: int = 100) -> list[dict[str, Any]]:
        """Records of a collection, newest first (each ``{"uri", "cid", "value"}``)."""
        data = self._call(
            "com.atproto.repo.listRecords",
            params={"repo": did, "collection": collection, "limit": limit},
        )
        return list(data["records"])


def _pump(proc: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    """Forward stdout lines, and keep draining after the ready line so the pipe never fills."""
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.put(line.strip())
    lines.put(None)


def _wait_ready(lines: queue.Queue[str | None], timeout: float) -> dict[str, Any] | None:
    """The launcher's JSON ready line, or None on timeout or when the launcher exited."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            return None
        if line is None:
            return None
        with contextlib.suppress(ValueError):
            message = json.loads(line)
            if isinstance(message, dict) and "pds_url" in message:
                return message
    return None


def _stop_process(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdin:
        proc.stdin.close()


@contextlib.contextmanager
def running_pds(timeout: float = READY_TIMEOUT) -> Iterator[LocalPds]:
    """Start a local PDS for the duration of the block (outside pytest too)."""
    pds = LocalPds.start(timeout)
    try:
        yield pds
    finally:
        pds.stop()


@pytest.fixture(scope="session")
def bluesky_pds() -> Iterator[LocalPds]:
    """One local PDS per test session. Skips when Node or node_modules are missing (fails on CI)."""
    reason = missing_requirement()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    with running_pds() as pds:
        yield pds
