"""Fuzzing every operation of the app's own OpenAPI document against a real `openpost serve`
on loopback, with a valid API key and without one: no answer is a 5xx, and every answer
(status, content type, headers, body) is one the document describes. Then data the
document forbids (negative generation): refused with a 4xx envelope, never a 5xx. Then
sequences of calls chained by the links schemathesis infers between operations (stateful:
create a post, then read, edit and cancel that post)."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from tests.e2e.conftest import settings_for
from tests.support.serve import base_env, demo_key, serve

EXAMPLES = int(os.environ.get("OPENPOST_FUZZ_EXAMPLES", "25"))  # per operation and key state
STATEFUL_EXAMPLES = int(os.environ.get("OPENPOST_FUZZ_SCENARIOS", "20"))  # call sequences


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    cwd: Path = tmp_path_factory.mktemp("fuzz")
    # The rate limits would only add documented 429s; off, every example reaches the routes.
    env = base_env(OPENPOST_RATE_LIMIT="0", OPENPOST_UNAUTHENTICATED_RATE_LIMIT="0")
    with serve(cwd, env, "--no-worker") as process:
        DEMO_KEY["key"] = demo_key(process)
        DEMO_KEY["url"] = process.url
        yield process.url, DEMO_KEY["key"]
        assert process.stop() == 0


def openapi_document() -> dict[str, Any]:
    """The document the app serves at /schema/openapi.json, built without a database (the
    served one is compared with it below, so the fuzzing follows what clients read)."""
    settings = settings_for("sqlite+aiosqlite:///:memory:")
    app = create_app(settings, build_container(settings)).litestar
    document: dict[str, Any] = msgspec.json.decode(
        msgspec.json.encode(app.openapi_schema.to_schema())
    )
    return document


PLACEHOLDER = "op_test_" + "0" * 32
KEYED_STATUSES: defaultdict[str, set[int]] = defaultdict(set)
DEMO_KEY: dict[str, str] = {}  # filled by the server fixture, read by the auth provider
keyed = schemathesis.openapi.from_dict(openapi_document())
keyless = schemathesis.openapi.from_dict(openapi_document())
negative = schemathesis.openapi.from_dict(openapi_document())
negative.config.generation.update(modes=[GenerationMode.NEGATIVE])


@keyed.auth()
@negative.auth()
class DemoKey:
    """The demo workspace's key, applied the way the document's security scheme says."""

    def get(self, case: schemathesis.Case, ctx: schemathesis.AuthContext) -> str:
        # Some cases are drawn at collection, before the server (and its key) exists.
        return DEMO_KEY.get("key", PLACEHOLDER)

    def set(self, case: schemathesis.Case, data: str, ctx: schemathesis.AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


# "Schema-valid data must be accepted" cannot hold for rules JSON Schema does not express:
# an unknown cursor or OAuth state, a time at least 60 s ahead, X's weighted length, a
# password the platform refuses. Those answers are still checked: documented status,
# envelope, content type, and never a 5xx. OPENPOST_FUZZ_STRICT=1 runs it anyway, to list them.
EXCLUDED = [] if os.environ.get("OPENPOST_FUZZ_STRICT") else [positive_data_acceptance]
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=os.environ.get("OPENPOST_FUZZ_EXAMPLES") is None,
)


@keyed.parametrize()
@FUZZ
def test_with_a_valid_key(case: schemathesis.Case, server: tuple[str, str]) -> None:
    url, key = server
    if case.headers and case.headers.get("Authorization") == f"Bearer {PLACEHOLDER}":
        case.headers["Authorization"] = f"Bearer {key}"
    answer = case.call_and_validate(base_url=url, excluded_checks=EXCLUDED)
    KEYED_STATUSES[case.operation.label].add(answer.status_code)


@keyless.parametrize()
@FUZZ
def test_without_a_key(case: schemathesis.Case, server: tuple[str, str]) -> None:
    url, _ = server
    if case.headers:
        case.headers.pop("Authorization", None)
    case.call_and_validate(base_url=url, excluded_checks=EXCLUDED)


@negative.parametrize()
@FUZZ
def test_data_the_document_forbids_is_refused(
    case: schemathesis.Case, server: tuple[str, str]
) -> None:
    """Every answer a 4xx the document lists, as the envelope. "Must be refused" is not
    checked for what the document cannot say is allowed (a query parameter it does not
    name is ignored, as HTTP APIs do)."""
    url, key = server
    if case.headers and case.headers.get("Authorization") == f"Bearer {PLACEHOLDER}":
        case.headers["Authorization"] = f"Bearer {key}"
    answer = case.call_and_validate(
        base_url=url, excluded_checks=[*EXCLUDED, negative_data_rejection]
    )
    assert answer.status_code < 500
    if answer.status_code >= 400 and answer.headers.get("content-type", [""])[0].startswith(
        "application/json"
    ):
        assert {"error", "code"} <= set(answer.json())


class Scenarios(keyed.as_state_machine()):  # type: ignore[misc]
    """Calls chained by the links schemathesis infers from the document (an id a POST
    answered, used by the GET, PATCH and DELETE of that path)."""

    def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
        return {"base_url": DEMO_KEY["url"]}

    def validate_response(
        self, response: Any, case: schemathesis.Case, additional_checks: Any = None, **kwargs: Any
    ) -> None:
        case.validate_response(
            response,
            additional_checks=additional_checks,
            excluded_checks=EXCLUDED,
            transport_kwargs=kwargs,
        )


def test_call_sequences_never_crash(server: tuple[str, str]) -> None:
    Scenarios.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=os.environ.get("OPENPOST_FUZZ_SCENARIOS") is None,
        )
    )


def test_the_fuzzed_document_is_the_served_one(server: tuple[str, str]) -> None:
    url, _ = server
    assert httpx.get(url + "/schema/openapi.json").json() == openapi_document()


def test_the_keyed_run_got_past_the_key() -> None:
    """Guards the fuzzing itself: with the key, some answer of every /v1 operation was
    something other than 401 (else the run above proved little)."""
    v1 = {label: statuses for label, statuses in KEYED_STATUSES.items() if " /v1/" in label}
    assert v1, "the keyed fuzz tests did not run"
    assert all(statuses - {401} for statuses in v1.values()), v1
