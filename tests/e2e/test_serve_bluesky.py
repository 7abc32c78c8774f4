"""A Bluesky account connected through a real `openpost serve`, against the local PDS."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.peers.bluesky_pds import LocalPds
from tests.support.serve import base_env, run_cli, serve

pytestmark = [pytest.mark.pds, pytest.mark.slow]


def test_connect_and_list_through_serve_then_sigterm(tmp_path: Path, bluesky_pds: LocalPds) -> None:
    env = base_env(OPENPOST_BLUESKY_SERVICE_URL=bluesky_pds.url)
    created = run_cli("workspace", "create", "acme", cwd=tmp_path, env=env)
    assert created.returncode == 0, created.stderr
    values = dict(line.split("=", 1) for line in created.stdout.split())
    assert values["api_key"].startswith("op_live_")
    auth = {"Authorization": f"Bearer {values['api_key']}"}
    account = bluesky_pds.create_account(display_name="Serve Me")
    app_password = bluesky_pds.create_app_password(account)

    with serve(tmp_path, env) as server:
        connected = httpx.post(
            f"{server.url}/v1/integrations/bluesky/connect",
            json={"identifier": account.handle, "password": app_password},
            headers=auth,
            timeout=30,
        )
        listed = httpx.get(f"{server.url}/v1/integrations", headers=auth)

        assert connected.status_code == 201, connected.text
        assert connected.json()["display_name"] == "Serve Me"
        assert [(i["id"], i["username"]) for i in listed.json()["data"]] == [
            (connected.json()["id"], account.handle)
        ]
        assert server.stop() == 0
