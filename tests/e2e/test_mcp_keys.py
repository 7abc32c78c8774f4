"""A bad key never reaches a tool: `openpost mcp` refuses to start without a valid one, and
refuses calls once it is revoked."""

from __future__ import annotations

import subprocess

import pytest

from tests.e2e.mcp_world import McpWorld, call, refused, world
from tests.support.serve import OPENPOST

__all__ = ["world"]

UNAUTHORIZED = {"error": "Invalid API key", "code": "invalid_api_key"}
UNKNOWN_KEY = "op_test_" + "A" * 32


def start_stdio(world: McpWorld, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(OPENPOST), "mcp"],
        cwd=world.cwd,
        env={**world.env, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("world", ["stdio"], indirect=True)
async def test_openpost_mcp_refuses_to_start_without_a_valid_key(world: McpWorld) -> None:
    created = await world.workspace()
    await world.revoke(created.api_key.plaintext)
    for key, sentence in [
        (None, "error: OPENPOST_API_KEY is not set; give it the API key of a workspace"),
        ("", "error: OPENPOST_API_KEY is not set; give it the API key of a workspace"),
        (UNKNOWN_KEY, "error: OPENPOST_API_KEY is not a valid API key (unknown or revoked)"),
        ("not-a-key", "error: OPENPOST_API_KEY is not a valid API key (unknown or revoked)"),
        (
            created.api_key.plaintext,
            "error: OPENPOST_API_KEY is not a valid API key (unknown or revoked)",
        ),
    ]:
        done = start_stdio(world, **({} if key is None else {"OPENPOST_API_KEY": key}))
        assert done.returncode == 1, done.stderr
        assert done.stdout == ""
        assert done.stderr.strip().splitlines()[-1] == sentence


@pytest.mark.parametrize("world", ["stdio"], indirect=True)
async def test_a_key_revoked_while_connected_is_refused_at_the_next_call(
    world: McpWorld,
) -> None:
    created = await world.workspace()
    async with world.client(created.api_key.plaintext) as client:
        await call(client, "list_integrations", {})
        await world.revoke(created.api_key.plaintext)
        body = await refused(client, "list_integrations", {})
    assert {k: body[k] for k in ("error", "code")} == UNAUTHORIZED
