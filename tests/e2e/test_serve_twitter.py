"""The whole X connect as an operator runs it: a real `openpost serve` process configured
through OPENPOST_* variables, a fake X in a process of its own, a live workspace made with
the `openpost` command, and a browser played by httpx."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.fakes.x import DEFAULT_USER
from tests.support.serve import ServeProcess, base_env, demo_key, free_port, run_cli, serve
from tests.support.x import CALLBACK_PATH

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "serve-test-app"
CLIENT_SECRET = "serve-test-secret"


@dataclass
class FakeXProcess:
    url: str

    def state(self) -> dict[str, object]:
        return dict(httpx.get(self.url + "/_fake/state", timeout=5).json())


@pytest.fixture
def public_port() -> int:
    return free_port()


@pytest.fixture
def fake_x_process(public_port: int) -> Iterator[FakeXProcess]:
    process = subprocess.Popen(
        [
            sys.executable, "-m", "tests.fakes.fake_x", "--port", "0",
            "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
            "--redirect-uri", f"http://127.0.0.1:{public_port}{CALLBACK_PATH}",
        ],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("fake X listening on "), line
        yield FakeXProcess(line.rsplit(" ", 1)[1].strip())
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


@pytest.fixture
def server(
    tmp_path: Path, public_port: int, fake_x_process: FakeXProcess
) -> Iterator[tuple[ServeProcess, dict[str, str]]]:
    env = base_env(
        OPENPOST_PUBLIC_URL=f"http://127.0.0.1:{public_port}",
        OPENPOST_TWITTER_CLIENT_ID=CLIENT_ID,
        OPENPOST_TWITTER_CLIENT_SECRET=CLIENT_SECRET,
        OPENPOST_TWITTER_AUTHORIZE_URL=fake_x_process.url + "/i/oauth2/authorize",
        OPENPOST_TWITTER_API_URL=fake_x_process.url,
    )
    with serve(tmp_path, env, "--no-worker", port=public_port) as running:
        yield running, env
        assert running.stop() == 0


def connect_in_browser(server: ServeProcess, key: str) -> httpx.Response:
    """GET connect with the key, open X's URL, follow X's redirect back to the callback."""
    auth = {"Authorization": f"Bearer {key}"}
    started = httpx.get(server.url + "/v1/integrations/twitter/connect", headers=auth, timeout=10)
    assert started.status_code == 200, started.text
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        url = started.json()["url"]
        for _ in range(3):  # X's consent, or the simulated one, then our callback
            answer = browser.get(url)
            if answer.status_code not in (302, 303):
                return answer
            url = answer.headers["location"]
    raise AssertionError("too many redirects")


def twitter_integration(server: ServeProcess, key: str) -> dict[str, object]:
    listed = httpx.get(
        server.url + "/v1/integrations", headers={"Authorization": f"Bearer {key}"}, timeout=10
    )
    [found] = [i for i in listed.json()["data"] if i["platform"] == "twitter"]
    return dict(found)


def test_a_live_workspace_connects_an_x_account_through_openpost_serve(
    server: tuple[ServeProcess, dict[str, str]], tmp_path: Path, fake_x_process: FakeXProcess
) -> None:
    running, env = server
    created = run_cli("workspace", "create", "acme", cwd=tmp_path, env=env)
    assert created.returncode == 0, created.stderr
    key = dict(line.split("=", 1) for line in created.stdout.split())["api_key"]
    assert key.startswith("op_live_")

    page = connect_in_browser(running, key)

    assert page.status_code == 200, page.text
    assert f"@{DEFAULT_USER.username}" in page.text
    integration = twitter_integration(running, key)
    assert integration["username"] == DEFAULT_USER.username
    assert integration["display_name"] == DEFAULT_USER.name
    assert integration["status"] == "active"
    assert fake_x_process.state()["code_exchanges"] == 1

    again = connect_in_browser(running, key)
    assert again.status_code == 200
    assert twitter_integration(running, key)["id"] == integration["id"]

    gone = httpx.delete(
        f"{running.url}/v1/integrations/{integration['id']}",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert gone.status_code == 200 and gone.json()["status"] == "disconnected"
    assert fake_x_process.state()["revocations"] == 2


def test_the_demo_workspace_connects_offline(
    server: tuple[ServeProcess, dict[str, str]], fake_x_process: FakeXProcess
) -> None:
    running, _ = server
    key = demo_key(running)
    before = twitter_integration(running, key)

    page = connect_in_browser(running, key)

    assert page.status_code == 200 and "@openpost_demo" in page.text
    assert twitter_integration(running, key)["id"] == before["id"]
    assert fake_x_process.state()["requests"] == {}
