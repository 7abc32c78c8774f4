"""A client generated from the served OpenAPI document by `openapi-python-client` works
against a real `openpost serve`: one call per tag, through the operation names, models
and types the document gives it."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from uuid import UUID

import httpx
import pytest

from tests.support.serve import base_env, demo_key, serve

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PACKAGE = "openpost_api_client"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    cwd = tmp_path_factory.mktemp("client")
    with serve(cwd, base_env(), "--no-worker") as process:
        yield process.url, demo_key(process), cwd
        assert process.stop() == 0


@pytest.fixture(scope="module")
def client_package(served: tuple[str, str, Path]) -> Iterator[ModuleType]:
    url, _, cwd = served
    document = cwd / "openapi.json"
    document.write_bytes(httpx.get(url + "/schema/openapi.json").content)
    config = cwd / "config.yaml"
    config.write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    subprocess.run(
        [str(GENERATOR), "generate", "--path", str(document), "--meta", "none",
         "--output-path", str(cwd / PACKAGE), "--config", str(config)],
        check=True, capture_output=True, text=True, cwd=cwd,
    )  # fmt: skip
    sys.path.insert(0, str(cwd))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(cwd))
        for name in [m for m in sys.modules if m.startswith(PACKAGE)]:
            del sys.modules[name]


def api(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def test_operations_and_models_carry_the_contracts_names(client_package: ModuleType) -> None:
    operations = {
        "integrations": {"list_integrations", "get_integration", "get_next_slot",
                         "start_connect", "connect_bluesky", "disconnect_integration"},
        "posts": {"create_post", "list_posts", "get_post", "update_post", "cancel_post"},
    }  # fmt: skip
    for tag, names in operations.items():
        for name in names:
            api(f"{tag}.{name}")
    models = importlib.import_module(f"{PACKAGE}.models")
    for model in ["Integration", "IntegrationList", "Post", "PostList", "NewPost", "Slot", "Error"]:
        assert hasattr(models, model), model


def test_one_call_per_tag(served: tuple[str, str, Path], client_package: ModuleType) -> None:
    url, key, _ = served
    models = importlib.import_module(f"{PACKAGE}.models")
    keyed = client_package.AuthenticatedClient(base_url=url, token=key)
    plain = client_package.Client(base_url=url)

    health = api("health.check_liveness").sync(client=plain)
    assert health.status == "ok"

    listed = api("integrations.list_integrations").sync(client=keyed)
    assert isinstance(listed, models.IntegrationList) and listed.data
    first = listed.data[0]
    assert isinstance(first.id, UUID) and isinstance(first.connected_at, datetime)

    at = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    body = models.NewPost(
        content="From a generated client", integrations=[str(first.id)], schedule_at=at.isoformat()
    )
    created = api("posts.create_post").sync(client=keyed, body=body)
    assert isinstance(created, models.Post), created
    assert created.scheduled_at == at and created.status == "scheduled"

    answer = api("connect.simulate_twitter_consent").sync_detailed(client=plain, state="unknown")
    assert answer.status_code == 400  # an HTML page for a person: no model
