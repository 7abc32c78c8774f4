"""The `openpost` command line: serve, worker, mcp, workspaces, keys, database, secrets.

Errors print `error: <sentence>` on stderr and exit 1; usage errors exit 2."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import traceback
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any
from uuid import UUID

from application.errors import ApplicationError, UnknownApiKey, UnknownWorkspace


class CliError(Exception):
    """A failure worth one line to the operator."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openpost", description="OpenPost Integrations service")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="upgrade the schema and serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--no-worker", action="store_true", help="do not publish in this process")
    sub.add_parser("worker", help="run the publisher alone")
    sub.add_parser("mcp", help="serve the MCP tools over stdio for the key in OPENPOST_API_KEY")

    workspace = sub.add_parser("workspace", help="manage workspaces").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    create = workspace.add_parser("create", help="create a workspace and its first key")
    create.add_argument("name")
    create.add_argument(
        "--test", action="store_true", help="a test workspace (simulated platforms)"
    )
    workspace.add_parser("list", help="list workspaces")

    key = sub.add_parser("key", help="manage API keys").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    key.add_parser("create", help="create a key").add_argument("workspace_id", type=UUID)
    key.add_parser("list", help="list a workspace's keys").add_argument("workspace_id", type=UUID)
    key.add_parser("revoke", help="revoke a key").add_argument("key_or_id")

    db = sub.add_parser("db", help="database").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    db.add_parser("upgrade", help="apply migrations")
    secrets = sub.add_parser("secrets", help="stored secrets").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    secrets.add_parser("rotate", help="re-encrypt every stored credential under the first key")
    return parser


def _handler(
    commands: ModuleType, args: argparse.Namespace
) -> Callable[..., Coroutine[Any, Any, int]]:
    name = args.command + ("_" + args.action if getattr(args, "action", None) else "")
    handler: Callable[..., Coroutine[Any, Any, int]] = getattr(commands, name)
    return handler


@contextmanager
def _collector_paused() -> Iterator[None]:
    """For the imports: they make about 180,000 objects that live as long as the process and
    next to no garbage, and the collector's passes over them were a quarter of the import
    time. Frozen once made, no later pass visits them again (the thousand or so garbage
    objects the imports leave stay with them: about a quarter of a MiB)."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with _collector_paused():  # imported here, not at the top, to be made with it paused
        from entrypoints import commands
        from entrypoints.runtime import run_async
        from entrypoints.settings import SettingsError, load_settings
    try:
        settings = load_settings()
        return run_async(_handler(commands, args)(settings, args))
    except SettingsError as error:
        return _fail(str(error))
    except UnknownWorkspace as error:
        return _fail(f"no workspace with id {error}")
    except UnknownApiKey:
        return _fail("no API key matches that key or id")
    except (CliError, ApplicationError, commands.CommandError) as error:
        return _fail(str(error) or type(error).__name__)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the operator gets one line, not a traceback
        if os.environ.get("OPENPOST_LOG_LEVEL", "").upper() == "DEBUG":
            traceback.print_exc()
        return _fail(f"unexpected {type(error).__name__}: {error}")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
