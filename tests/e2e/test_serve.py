"""`openpost serve` as a newcomer runs it: demo workspace, the README's examples, SIGTERM."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.webhooks.signing import signature_headers
from tests.support.serve import base_env, demo_key, run_cli, serve

README = Path(__file__).parents[2] / "README.md"


def readme_examples() -> str:
    """The first shell block of "The API by example", then that of "Posts by example"
    (which uses the variables the first one sets)."""
    text = README.read_text()
    blocks = []
    for heading in ("## The API by example", "## Posts by example"):
        section = text.split(heading, 1)[1]
        blocks.append(re.findall(r"```sh\n(.*?)```", section, re.S)[0])
    return "\n".join(blocks)


def readme_webhook_example() -> tuple[str, str]:
    """The Python block of "Webhooks": what the client runs, and what its receiver runs."""
    section = README.read_text().split("## Webhooks", 1)[1]
    block = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    assert len(block.strip().splitlines()) <= 5
    client, _, receiver = block.partition("# In your receiver")
    return client, receiver.partition("\n")[2]


def test_first_start_creates_the_demo_workspace_once(tmp_path: Path) -> None:
    env = base_env()
    with serve(tmp_path, env, "--no-worker") as server:
        key = demo_key(server)
        assert re.fullmatch(r"op_test_[A-Za-z0-9_-]{32}", key)
        listed = httpx.get(
            server.url + "/v1/integrations", headers={"Authorization": f"Bearer {key}"}
        )
        assert listed.status_code == 200
        assert {i["platform"] for i in listed.json()["data"]} == {"twitter", "bluesky"}
        assert server.stop() == 0
    assert (tmp_path / "openpost.key").stat().st_mode & 0o777 == 0o600
    with serve(tmp_path, env, "--no-worker") as again:
        assert not any(line.startswith("demo ") for line in again.stdout_lines)
        assert again.stop() == 0


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_examples_work_as_written(tmp_path: Path) -> None:
    with serve(tmp_path, base_env(), "--no-worker") as server:
        script = readme_examples().replace("http://127.0.0.1:8000", server.url)
        script = script.replace(
            "export OPENPOST_KEY=op_test_...", f"export OPENPOST_KEY={demo_key(server)}"
        )
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        out = done.stdout
        assert '"data":[' in out
        assert '"auth_type":"oauth"' in out and '"auth_type":"credentials"' in out
        assert '"status":"disconnected"' in out
        assert '"status":"draft"' in out and '"status":"scheduled"' in out
        assert "idempotent-replayed: true" in out.lower()
        assert '"status":"canceled"' in out
        assert '"code"' not in out, out  # no example answers with an error
        client, receiver = readme_webhook_example()
        scope: dict[str, Any] = {"KEY": demo_key(server)}
        exec(client.replace("http://127.0.0.1:8000", server.url), scope)
        body = json.dumps({"id": "evt_1", "type": "webhook.test", "data": {}}).encode()
        headers = signature_headers([scope["secret"]], "evt_1", int(time.time()), body)
        exec(receiver, scope := scope | {"body": body, "headers": headers})
        assert scope["event"]["type"] == "webhook.test"
        assert server.stop() == 0


def readme_media_example() -> str:
    """The Media section's upload and scheduling commands, and its download (the rest of
    the block reaches the internet)."""
    block = re.findall(r"```sh\n(.*?)```", README.read_text().split("## Media", 1)[1], re.S)[0]
    upload_and_schedule, rest = block.split("\n\n", 1)
    download = next(line for line in rest.splitlines() if "/content" in line)
    return f"{upload_and_schedule}\n{download}"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_media_example_uploads_and_schedules(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (40, 30), (200, 30, 30)).save(tmp_path / "photo.jpg", "JPEG")
    with serve(tmp_path, base_env(), "--no-worker") as server:
        setup = readme_examples().split("\n\n", 1)[0]  # API, AUTH
        script = f"{setup}\n{readme_media_example()}".replace("http://127.0.0.1:8000", server.url)
        script = script.replace(
            "export OPENPOST_KEY=op_test_...", f"export OPENPOST_KEY={demo_key(server)}"
        )
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            capture_output=True, text=True, timeout=60, cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert '"status":"scheduled"' in done.stdout and '"code"' not in done.stdout
        assert re.search(r'"media":\["[0-9a-f-]{36}"\]', done.stdout)
        assert (tmp_path / "stored.jpg").read_bytes()[:3] == b"\xff\xd8\xff"
        assert server.stop() == 0


def test_a_bad_setting_is_one_line_and_exit_1(tmp_path: Path) -> None:
    env = base_env(OPENPOST_RATE_LIMIT="lots")
    done = subprocess.run(
        [str(Path(__import__("sys").executable).parent / "openpost"), "serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0
    assert done.stderr.startswith("error: OPENPOST_RATE_LIMIT")


def imported(stderr: str) -> set[str]:
    """The modules a process imported, from its `-X importtime` lines."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_an_up_to_date_database_starts_without_loading_what_it_does_not_use(
    tmp_path: Path,
) -> None:
    """Alembic is loaded only when a migration is due, the platforms' HTTP clients (aiohttp,
    httpx) on a first publish or connect, the MCP SDK on a first `/mcp` request, and
    pydantic's v1 layer (Litestar's pydantic plugin) and prometheus-client (metrics are off
    by default) not at all: each was a tenth of a second or more of every start."""
    traced = base_env(PYTHONPROFILEIMPORTTIME="1")
    first = run_cli("db", "upgrade", cwd=tmp_path, env=traced)
    assert first.returncode == 0, first.stderr
    assert "alembic" in imported(first.stderr)
    with serve(tmp_path, traced, "--no-worker") as server:
        assert server.stop() == 0
    modules = imported(server.logs())
    assert {"litestar", "sqlalchemy", "pydantic"} <= modules
    unused = {"alembic", "pydantic.v1", "redis", "aiohttp", "httpx", "atproto", "mcp"}
    assert not {*unused, "prometheus_client"} & modules


def test_connect_urls_follow_the_served_port_unless_public_url_is_set(tmp_path: Path) -> None:
    with serve(tmp_path, base_env(), "--no-worker") as server:
        headers = {"Authorization": f"Bearer {demo_key(server)}"}
        started = httpx.get(server.url + "/v1/integrations/twitter/connect", headers=headers)
        assert started.json()["redirect_uri"].startswith(server.url + "/")
        assert server.stop() == 0
    configured = base_env(OPENPOST_PUBLIC_URL="https://openpost.example.com")
    with serve(tmp_path, configured, "--no-worker") as server:
        started = httpx.get(server.url + "/v1/integrations/twitter/connect", headers=headers)
        assert started.json()["redirect_uri"].startswith("https://openpost.example.com/")
        assert server.stop() == 0
