"""Entry points to the fake X: pytest fixtures, and `python -m tests.fakes.fake_x`.

In-process (tests):   use the `fake_x` fixture (a served, freshly reset FakeX).
Out-of-process (e2e, benchmarks):
    python -m tests.fakes.fake_x --port 8765 --latency-ms 50 \
        --client-id ID --client-secret S --redirect-uri http://127.0.0.1:8000/cb
prints "fake X listening on http://127.0.0.1:8765" and serves until SIGINT/SIGTERM;
drive it through the /_fake/* control routes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence

import pytest

from tests.fakes.x import DEFAULT_CLIENT, FakeX, RegisteredClient
from tests.fakes.x.faults import ENDPOINTS
from tests.fakes.x.server import serve_forever

__all__ = ["FakeX", "fake_x", "fake_x_server", "main"]


@pytest.fixture(scope="session")
def fake_x_server() -> Iterator[FakeX]:
    """One fake X served on a free loopback port for the whole session."""
    fake = FakeX()
    with fake.serve():
        yield fake


@pytest.fixture
def fake_x(fake_x_server: FakeX) -> FakeX:
    """The session's fake X, reset to its just-built state for this test."""
    fake_x_server.reset()
    return fake_x_server


def _rate_limit(value: str) -> tuple[str, int, int]:
    endpoint, _, rest = value.partition("=")
    limit, _, window = rest.partition("/")
    if endpoint not in ENDPOINTS or not limit.isdigit():
        raise argparse.ArgumentTypeError("expected ENDPOINT=LIMIT[/WINDOW_SECONDS]")
    return endpoint, int(limit), int(window or 900)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.fake_x", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="fixed delay on every X endpoint"
    )
    parser.add_argument("--client-id", help="register this app (besides the default one)")
    parser.add_argument(
        "--client-secret", help="makes --client-id confidential; omit for a public app"
    )
    parser.add_argument("--redirect-uri", action="append", default=[], help="repeatable")
    parser.add_argument(
        "--rate-limit",
        action="append",
        default=[],
        type=_rate_limit,
        help="e.g. create_tweet=100000/900",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    clients = [DEFAULT_CLIENT]
    if args.client_id:
        clients.append(
            RegisteredClient(args.client_id, args.client_secret, tuple(args.redirect_uri))
        )
    limits = {endpoint: (limit, window) for endpoint, limit, window in args.rate_limit}
    fake = FakeX(latency=args.latency_ms / 1000, clients=clients, rate_limits=limits)

    def announce(base_url: str) -> None:
        fake.base_url = base_url
        print(f"fake X listening on {base_url}", flush=True)

    serve_forever(fake.app, args.port, announce)


if __name__ == "__main__":
    main(sys.argv[1:])
