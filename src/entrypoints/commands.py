"""What each `openpost` command does; `cli.py` parses and reports."""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, nullcontext
from dataclasses import replace
from typing import Any

import uvicorn
from dishka import AsyncContainer
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sqlalchemy import secrets as stored_secrets
from adapters.persistence.sqlalchemy.migrate import upgrade
from application.api_keys import CreateApiKey, ListApiKeys, RevokeApiKey
from application.authenticate import AuthenticateApiKey
from application.errors import DatabaseUnavailable
from application.ports.token_cipher import TokenCipher
from application.workspaces import CreateWorkspace, EnsureDemoWorkspace, ListWorkspaces
from domain.workspace import WorkspaceMode
from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from entrypoints.logs import configure_logging
from entrypoints.runtime import http_config, settle_heap
from entrypoints.settings import Settings


class CommandError(Exception):
    """A command could not do its work; the message is one sentence for the operator."""


@asynccontextmanager
async def _container(settings: Settings) -> AsyncIterator[AsyncContainer]:
    container = build_container(settings)
    try:
        yield container
    finally:
        await container.close()


async def _execute(settings: Settings, use_case: type[Any], *args: Any) -> Any:
    """Runs one use case in a container of its own, on an up-to-date schema."""
    async with _container(settings) as container:
        await _prepare(container)
        async with container() as scope:
            return await (await scope.get(use_case)).execute(*args)


async def _prepare(container: AsyncContainer) -> None:
    """Upgrades the schema, then refuses to go on if a stored secret opens under no key."""
    engine = await container.get(AsyncEngine)
    try:
        await upgrade(engine)
    except (OSError, DatabaseUnavailable) as error:
        raise CommandError(f"cannot reach the database: {error}") from error
    except Exception as error:
        if "connect" in str(error).lower() or "unable to open" in str(error).lower():
            raise CommandError(f"cannot reach the database: {type(error).__name__}") from error
        raise
    bad = await stored_secrets.count_undecryptable(engine, await container.get(TokenCipher))
    if bad:
        raise CommandError(
            f"{bad} stored credential(s) decrypt under none of the keys in OPENPOST_SECRET_KEY; "
            "add the old key back (after the new one) and run `openpost secrets rotate`"
        )


def _stop_on_signals(stop: asyncio.Event, also: Callable[[], None] | None = None) -> None:
    def on_signal() -> None:
        stop.set()
        if also is not None:
            also()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)


def served_url(host: str, port: int) -> str:
    """The base URL of `serve --host H --port P`, for when PUBLIC_URL is not set: a
    wildcard address is reached on loopback from this machine."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def serve(settings: Settings, args: argparse.Namespace) -> int:
    configure_logging(settings.log_level, settings.log_format)
    if not settings.public_url_set:
        settings = replace(settings, public_url=served_url(args.host, args.port))
    async with _container(settings) as container:
        await _prepare(container)
        async with container() as scope:
            created = await (await scope.get(EnsureDemoWorkspace)).execute()
        if created is not None:
            print(
                f"demo workspace_id={created.workspace.id} api_key={created.api_key.plaintext}",
                flush=True,
            )
        app = create_app(settings, container)
        server = _QuietServer(http_config(app, args.host, args.port, settings.shutdown_grace_s))
        servers = [server, *_metrics_server(container, settings)]
        settle_heap()
        stop = asyncio.Event()
        _stop_on_signals(stop, lambda: _exit(servers))
        tasks = [s.serve() for s in servers]
        if not args.no_worker:
            tasks.append(_worker(container, settings, stop))
        await asyncio.gather(*tasks)
        stop.set()
    return 0


class _QuietServer(uvicorn.Server):
    """uvicorn's server without its own signal handling (which re-raises the signal after
    shutdown): we stop it ourselves and exit 0."""

    def capture_signals(self) -> Any:
        return nullcontext()


def _metrics_server(container: AsyncContainer, settings: Settings) -> list[_QuietServer]:
    """The server of `/metrics` alone on METRICS_PORT, if it is set."""
    if settings.metrics_port is None:
        return []
    from entrypoints.http.metrics import metrics_server_app

    app = metrics_server_app(container)
    config = http_config(app, settings.metrics_host, settings.metrics_port, grace_s=1)
    return [_QuietServer(config)]


def _exit(servers: list[_QuietServer]) -> None:
    for server in servers:
        server.should_exit = True


async def _worker(container: AsyncContainer, settings: Settings, stop: asyncio.Event) -> None:
    from entrypoints.worker import run_worker

    await run_worker(container, settings, stop)


async def worker(settings: Settings, args: argparse.Namespace) -> int:
    configure_logging(settings.log_level, settings.log_format)
    async with _container(settings) as container:
        await _prepare(container)
        stop = asyncio.Event()
        servers = _metrics_server(container, settings)
        _stop_on_signals(stop, lambda: _exit(servers))
        await asyncio.gather(_worker(container, settings, stop), *(s.serve() for s in servers))
    return 0


async def mcp(settings: Settings, args: argparse.Namespace) -> int:
    """The MCP tools over stdio for the key in OPENPOST_API_KEY, refused before serving
    when the key is missing, unknown or revoked. Logs go to stderr: stdout is the wire."""
    configure_logging(settings.log_level, settings.log_format)
    key = settings.api_key
    if not key:
        raise CommandError("OPENPOST_API_KEY is not set; give it the API key of a workspace")
    async with _container(settings) as container:
        await _prepare(container)
        if await (await container.get(AuthenticateApiKey)).execute(key) is None:
            raise CommandError("OPENPOST_API_KEY is not a valid API key (unknown or revoked)")
        from entrypoints.mcp.stdio import serve_stdio  # the SDK loads only for this command

        await serve_stdio(container, key)
    return 0


async def db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    async with _container(settings) as container:
        await _prepare(container)
    print("database is up to date")
    return 0


async def workspace_create(settings: Settings, args: argparse.Namespace) -> int:
    mode = WorkspaceMode.TEST if args.test else WorkspaceMode.LIVE
    try:
        created = await _execute(settings, CreateWorkspace, args.name, mode)
    except ValueError as error:
        raise CommandError(str(error)) from error
    print(f"workspace_id={created.workspace.id}")
    print(f"api_key={created.api_key.plaintext}")
    return 0


async def workspace_list(settings: Settings, args: argparse.Namespace) -> int:
    workspaces = await _execute(settings, ListWorkspaces)
    for ws in workspaces:
        created = f"{ws.created_at:%Y-%m-%dT%H:%M:%SZ}"
        print(f"workspace_id={ws.id} mode={ws.mode.value} created_at={created} name={ws.name}")
    return 0


async def key_create(settings: Settings, args: argparse.Namespace) -> int:
    issued = await _execute(settings, CreateApiKey, args.workspace_id)
    print(f"api_key={issued.plaintext}")
    return 0


async def key_list(settings: Settings, args: argparse.Namespace) -> int:
    keys = await _execute(settings, ListApiKeys, args.workspace_id)
    for key in keys:
        state = f"revoked {key.revoked_at:%Y-%m-%dT%H:%M:%SZ}" if key.revoked_at else "active"
        print(f"{key.id}  {key.prefix}...  {key.created_at:%Y-%m-%dT%H:%M:%SZ}  {state}")
    return 0


async def key_revoke(settings: Settings, args: argparse.Namespace) -> int:
    key = await _execute(settings, RevokeApiKey, args.key_or_id)
    print(f"revoked {key.id} ({key.prefix}...)")
    return 0


async def secrets_rotate(settings: Settings, args: argparse.Namespace) -> int:
    async with _container(settings) as container:
        engine = await container.get(AsyncEngine)
        await upgrade(engine)
        changed = await stored_secrets.rotate(engine, await container.get(TokenCipher))
    print(f"re-encrypted {changed} credential(s) under the first key")
    return 0
