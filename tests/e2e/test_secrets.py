"""Secrets at rest: `openpost secrets rotate` re-seals every credential under the first key,
and `serve` refuses to start, in one line, when a credential opens under none of the keys.
The real console script runs, with its environment, as an operator would run it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.crypto import generate_key
from adapters.persistence.sqlalchemy.engine import create_engine
from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.persistence.sqlalchemy.tables import integration_credentials, webhook_endpoints
from application.ports.credentials import Credentials
from application.ports.unit_of_work import UnitOfWorkFactory
from application.webhooks.create_endpoint import CreateWebhookEndpoint
from application.webhooks.rotate_secret import RotateWebhookSecret
from application.workspaces import CreateWorkspace
from domain.workspace import WorkspaceMode
from entrypoints.composition import build_container
from entrypoints.settings import load_settings
from tests.support.serve import base_env, run_cli, serve


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    if request.param == "sqlite":
        return sqlite_url
    return str(request.getfixturevalue("fresh_postgres_url"))


async def seal_credentials(url: str, key: str) -> None:
    """A workspace whose two integrations hold credentials sealed under `key`."""
    settings = load_settings({"OPENPOST_DATABASE_URL": url, "OPENPOST_SECRET_KEY": key}, None)
    container = build_container(settings)
    try:
        await upgrade(await container.get(AsyncEngine))
        async with container() as scope:
            created = await (await scope.get(CreateWorkspace)).execute("acme", WorkspaceMode.TEST)
        factory = await container.get(UnitOfWorkFactory)
        for integration in created.integrations:
            async with factory() as uow:
                secret = Credentials(access_token="tok-" + generate_key(), password="pw")
                await uow.credentials.put(integration.id, secret)
                await uow.commit()
    finally:
        await container.close()


async def ciphertexts(url: str) -> list[bytes]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(integration_credentials.c.ciphertext))
            return [bytes(row[0]) for row in rows]
    finally:
        await engine.dispose()


def opens_under(ciphertext: bytes, key: str) -> bool:
    try:
        Fernet(key.encode()).decrypt(ciphertext)
    except InvalidToken:
        return False
    return True


def env_for(url: str, keys: str) -> dict[str, str]:
    return base_env(OPENPOST_DATABASE_URL=url, OPENPOST_SECRET_KEY=keys)


def assert_one_line_refusal(stderr: str) -> None:
    assert stderr.count("\n") == 1 and stderr.startswith("error: "), stderr
    assert "decrypt under none of the keys" in stderr


def test_rotate_reseals_every_credential_under_the_first_key(
    database: str, tmp_path: Path
) -> None:
    old, new = generate_key(), generate_key()
    asyncio.run(seal_credentials(database, old))
    before = asyncio.run(ciphertexts(database))
    assert len(before) == 2 and all(opens_under(c, old) for c in before)

    rotated = run_cli("secrets", "rotate", cwd=tmp_path, env=env_for(database, f"{new},{old}"))
    assert rotated.returncode == 0, rotated.stderr
    assert "re-encrypted 2 credential(s)" in rotated.stdout

    after = asyncio.run(ciphertexts(database))
    assert len(after) == 2
    assert all(opens_under(c, new) and not opens_under(c, old) for c in after)
    again = run_cli("secrets", "rotate", cwd=tmp_path, env=env_for(database, f"{new},{old}"))
    assert "re-encrypted 0 credential(s)" in again.stdout

    # The old key alone no longer opens them: serve refuses; the new key alone serves.
    refused = run_cli("serve", "--port", "1", cwd=tmp_path, env=env_for(database, old))
    assert refused.returncode == 1
    assert_one_line_refusal(refused.stderr)
    with serve(tmp_path, env_for(database, new), "--no-worker") as server:
        assert server.stop() == 0


def test_serve_and_worker_refuse_a_key_set_that_opens_nothing(
    database: str, tmp_path: Path
) -> None:
    asyncio.run(seal_credentials(database, generate_key()))
    strangers = f"{generate_key()},{generate_key()}"
    for command in (["serve", "--no-worker", "--port", "1"], ["worker"]):
        done = run_cli(*command, cwd=tmp_path, env=env_for(database, strangers))
        assert done.returncode == 1, (command, done.stderr)
        assert_one_line_refusal(done.stderr)
        assert done.stdout == ""


def test_rotate_without_the_old_key_changes_nothing(database: str, tmp_path: Path) -> None:
    old = generate_key()
    asyncio.run(seal_credentials(database, old))
    before = asyncio.run(ciphertexts(database))
    done = run_cli("secrets", "rotate", cwd=tmp_path, env=env_for(database, generate_key()))
    assert done.returncode == 1 and done.stderr.startswith("error: ")
    assert done.stderr.count("\n") == 1
    assert sorted(asyncio.run(ciphertexts(database))) == sorted(before)


async def seal_webhook_secrets(url: str, key: str) -> None:
    """An endpoint whose secret was rotated: a current and a previous secret, both sealed."""
    settings = load_settings({"OPENPOST_DATABASE_URL": url, "OPENPOST_SECRET_KEY": key}, None)
    container = build_container(settings)
    try:
        await upgrade(await container.get(AsyncEngine))
        async with container() as scope:
            created = await (await scope.get(CreateWorkspace)).execute("hooks", WorkspaceMode.TEST)
        async with container() as scope:
            made = await (await scope.get(CreateWebhookEndpoint)).execute(
                created.workspace.id, "https://hooks.example.com/", ["*"], None
            )
        async with container() as scope:
            await (await scope.get(RotateWebhookSecret)).execute(
                created.workspace.id, made.endpoint.id
            )
    finally:
        await container.close()


async def webhook_ciphertexts(url: str) -> list[bytes]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(
                    webhook_endpoints.c.secret_ciphertext,
                    webhook_endpoints.c.previous_secret_ciphertext,
                )
            )
            return [bytes(value) for row in rows for value in row]
    finally:
        await engine.dispose()


def test_rotate_reseals_webhook_secrets_too(database: str, tmp_path: Path) -> None:
    old, new = generate_key(), generate_key()
    asyncio.run(seal_webhook_secrets(database, old))
    assert all(opens_under(c, old) for c in asyncio.run(webhook_ciphertexts(database)))
    rotated = run_cli("secrets", "rotate", cwd=tmp_path, env=env_for(database, f"{new},{old}"))
    assert "re-encrypted 2 credential(s)" in rotated.stdout, rotated.stderr
    after = asyncio.run(webhook_ciphertexts(database))
    assert len(after) == 2 and all(opens_under(c, new) for c in after)
    refused = run_cli("worker", cwd=tmp_path, env=env_for(database, generate_key()))
    assert refused.returncode == 1
    assert_one_line_refusal(refused.stderr)
