"""The `openpost` command line: output, exit codes and one-line errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support.serve import base_env, run_cli


def values(output: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in output.splitlines() if "=" in line)


def test_workspaces_and_keys_round_trip(tmp_path: Path) -> None:
    env = base_env()
    created = run_cli("workspace", "create", "Acme", cwd=tmp_path, env=env)
    assert created.returncode == 0, created.stderr
    ws = values(created.stdout)
    assert re.fullmatch(r"op_live_[A-Za-z0-9_-]{32}", ws["api_key"])

    test_ws = values(run_cli("workspace", "create", "Sandbox", "--test", cwd=tmp_path, env=env).stdout)
    assert test_ws["api_key"].startswith("op_test_")

    listed = run_cli("workspace", "list", cwd=tmp_path, env=env).stdout
    assert f"workspace_id={ws['workspace_id']} mode=live" in listed
    assert "name=Acme" in listed and "name=Sandbox" in listed

    second = values(run_cli("key", "create", ws["workspace_id"], cwd=tmp_path, env=env).stdout)
    keys = run_cli("key", "list", ws["workspace_id"], cwd=tmp_path, env=env).stdout
    assert second["api_key"][:12] in keys
    assert second["api_key"] not in keys and ws["api_key"] not in keys

    revoked = run_cli("key", "revoke", second["api_key"], cwd=tmp_path, env=env)
    assert revoked.returncode == 0
    assert run_cli("key", "revoke", second["api_key"], cwd=tmp_path, env=env).returncode == 0
    assert "revoked" in run_cli("key", "list", ws["workspace_id"], cwd=tmp_path, env=env).stdout


def test_errors_are_one_line_with_exit_1(tmp_path: Path) -> None:
    env = base_env()
    unknown_key = run_cli("key", "revoke", "op_live_" + "x" * 32, cwd=tmp_path, env=env)
    assert unknown_key.returncode == 1
    assert unknown_key.stderr.startswith("error: ") and unknown_key.stderr.count("\n") == 1
    unknown_ws = run_cli("key", "create", "0192f0c2-0000-7000-8000-000000000000", cwd=tmp_path, env=env)
    assert unknown_ws.returncode == 1 and "no workspace" in unknown_ws.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    env = base_env()
    assert run_cli("frobnicate", cwd=tmp_path, env=env).returncode == 2
    assert run_cli("key", "create", "not-a-uuid", cwd=tmp_path, env=env).returncode == 2


def test_db_upgrade_is_idempotent(tmp_path: Path) -> None:
    env = base_env()
    assert run_cli("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    again = run_cli("db", "upgrade", cwd=tmp_path, env=env)
    assert again.returncode == 0 and "up to date" in again.stdout


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = base_env(
        OPENPOST_DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:1/none",
        OPENPOST_SECRET_KEY="8_mXhHjLbuB2d1-WFzuYbTTMmQh9VKH81ROsQYOszfU=",
    )
    done = run_cli("db", "upgrade", cwd=tmp_path, env=env)
    assert done.returncode == 1
    assert done.stderr.startswith("error: cannot reach the database")
    assert done.stderr.count("\n") == 1


def python(code: str, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_cli_module_loads_no_framework(tmp_path: Path) -> None:
    """So `main` makes the commands' imports, with the collector paused."""
    loaded = python(
        "import sys, entrypoints.cli; print(*{m.split('.')[0] for m in sys.modules})",
        tmp_path,
        base_env(),
    ).split()
    assert not {"sqlalchemy", "litestar", "dishka", "uvicorn", "alembic"} & set(loaded)


def test_main_freezes_the_imports_and_collects_again(tmp_path: Path) -> None:
    code = (
        "import gc; from entrypoints.cli import main; "
        "print(main(['db', 'upgrade']), gc.isenabled(), gc.get_freeze_count())"
    )
    out = python(code, tmp_path, base_env()).split()
    assert out[-3:-1] == ["0", "True"]
    assert int(out[-1]) > 50_000  # the modules of Litestar, SQLAlchemy, dishka...
