"""At LOG_LEVEL=DEBUG, in text and in JSON, the logs of a real `serve` process that went
through every flow hold no API key, no platform token, no app password, no session, no
OAuth code or verifier, and no Authorization header."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from adapters.crypto import generate_key
from application.ports.unit_of_work import UnitOfWorkFactory
from entrypoints.composition import build_container
from entrypoints.settings import load_settings
from tests.support.serve import base_env, demo_key, serve

APP_PASSWORD = "test-test-test-test"  # the simulated Bluesky's, as the contract sets it


async def stored_secrets(url: str, key: str, integration_ids: list[UUID]) -> set[str]:
    """Every secret value the service stored for these integrations, decrypted."""
    settings = load_settings({"OPENPOST_DATABASE_URL": url, "OPENPOST_SECRET_KEY": key}, None)
    container = build_container(settings)
    found: set[str] = set()
    try:
        factory = await container.get(UnitOfWorkFactory)
        async with factory() as uow:
            for integration_id in integration_ids:
                stored = await uow.credentials.get(integration_id)
                if stored is None:
                    continue
                c = stored.credentials
                found |= {v for v in (c.access_token, c.refresh_token, c.password) if v}
                found |= {v for v in c.extra.values() if len(v) >= 16 and "." not in v}
    finally:
        await container.close()
    return found


def exercise(base: str, key: str) -> tuple[set[str], list[UUID]]:
    """Drives every flow; returns the secrets a client saw and the integrations made."""
    h = {"Authorization": f"Bearer {key}"}
    seen = {key}
    with httpx.Client(base_url=base, timeout=10) as c:
        assert c.get("/v1/integrations", headers=h).status_code == 200
        connect = c.get("/v1/integrations/twitter/connect", headers=h).json()
        seen |= {connect["state"], connect["code_verifier"]}
        authorize = c.get(connect["url"].replace("http://127.0.0.1:8000", base))
        assert authorize.status_code == 302
        callback = authorize.headers["location"].replace("http://127.0.0.1:8000", base)
        seen.add(httpx.URL(callback).params["code"])
        assert c.get(callback).status_code == 200
        connected = c.post(
            "/v1/integrations/bluesky/connect",
            json={"identifier": "@someone.test", "password": APP_PASSWORD},
            headers=h,
        )
        assert connected.status_code in (200, 201), connected.text
        wrong = "wrong-" + secrets.token_urlsafe(12)
        seen.add(wrong)
        refused = c.post(
            "/v1/integrations/bluesky/connect",
            json={"identifier": "someone.test", "password": wrong},
            headers=h,
        )
        assert refused.status_code == 422
        stranger = "op_live_" + secrets.token_urlsafe(24)[:32]
        seen.add(stranger)
        bad_key = c.get("/v1/integrations", headers={"Authorization": f"Bearer {stranger}"})
        assert bad_key.status_code == 401
        bad_json = c.post("/v1/posts", content=b"{nope", headers=h)
        assert bad_json.status_code == 400
        ids = [UUID(i["id"]) for i in c.get("/v1/integrations", headers=h).json()["data"]]
        post = c.post(
            "/v1/posts",
            json={"content": "hello", "integrations": [str(ids[0])], "schedule_at": "next_slot"},
            headers={**h, "Idempotency-Key": "log-test-1"},
        )
        assert post.status_code == 201, post.text
    return seen, ids


def disconnect_all(base: str, key: str, ids: list[UUID]) -> None:
    with httpx.Client(base_url=base, timeout=10) as c:
        for integration_id in ids:
            done = c.delete(f"/v1/integrations/{integration_id}", headers={"Authorization": f"Bearer {key}"})
            assert done.status_code == 200


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_debug_logs_hold_no_secret(tmp_path: Path, log_format: str) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'openpost.db'}"
    secret_key = generate_key()
    env = base_env(
        OPENPOST_DATABASE_URL=url,
        OPENPOST_SECRET_KEY=secret_key,
        OPENPOST_LOG_LEVEL="DEBUG",
        OPENPOST_LOG_FORMAT=log_format,
    )
    with serve(tmp_path, env) as server:
        key = demo_key(server)
        seen, ids = exercise(server.url, key)
        stored = asyncio.run(stored_secrets(url, secret_key, ids))
        disconnect_all(server.url, key, ids)
        assert server.stop() == 0
        logs = server.logs()

    assert logs.strip(), "DEBUG produced no log at all: the test would prove nothing"
    assert len(stored) >= 4  # tokens of both accounts, and the app password
    secrets_ = seen | stored | {APP_PASSWORD, secret_key}
    leaked = sorted(s for s in secrets_ if s in logs)
    assert not leaked, f"secrets in the logs: {leaked}"
    assert "authorization" not in logs.lower()
    assert "bearer " not in logs.lower()
