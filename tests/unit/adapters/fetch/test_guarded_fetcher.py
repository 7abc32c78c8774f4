"""The guarded fetcher against a real server on loopback. Refused addresses are refused
before any connection, so the private and link-local ones here are never contacted."""

from __future__ import annotations

import pytest

from adapters.fetch.fetcher import GuardedFetcher
from adapters.fetch.policy import AddressPolicy
from adapters.fetch.resolver import StaticResolver
from application.ports.url_fetcher import FetchFailed, FetchRequest, FetchTooLarge, UrlNotAllowed

NAMES = StaticResolver(
    {
        "pinned.test": ["127.0.0.1"],
        "mixed.test": ["93.184.216.34", "127.0.0.1"],
        "metadata.test": ["169.254.169.254"],
        "mapped.test": ["::ffff:127.0.0.1"],
        "lan.test": ["192.168.1.10"],
    }
)


async def fetch(fetcher: GuardedFetcher, url: str, **options: object) -> tuple[int, bytes]:
    async with fetcher.open(FetchRequest(url, **options)) as response:  # type: ignore[arg-type]
        body = b"".join([chunk async for chunk in response.chunks()])
        return response.status, body


@pytest.fixture
async def strict() -> GuardedFetcher:
    fetcher = GuardedFetcher(AddressPolicy(allow_private=False), NAMES)
    yield fetcher  # type: ignore[misc]
    await fetcher.close()


@pytest.fixture
async def lenient() -> GuardedFetcher:
    fetcher = GuardedFetcher(AddressPolicy(allow_private=True), NAMES)
    yield fetcher  # type: ignore[misc]
    await fetcher.close()


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.1.2.3",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:10.0.0.1]",
        "[fe80::1]",
        "[fc00::1]",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::]",
        "[ff02::1]",
        "224.0.0.1",
        "pinned.test",
        "mixed.test",
        "metadata.test",
        "mapped.test",
        "lan.test",
    ],
)
async def test_a_non_public_address_is_refused(strict: GuardedFetcher, host: str) -> None:
    with pytest.raises(UrlNotAllowed):
        await fetch(strict, f"http://{host}/ok")


async def test_system_resolver_names_from_hosts_file_are_checked() -> None:
    fetcher = GuardedFetcher(AddressPolicy(allow_private=False))
    with pytest.raises(UrlNotAllowed):
        await fetch(fetcher, "http://localhost/ok")
    await fetcher.close()


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "http:///x", "nope"])
async def test_only_http_and_https_with_a_host(strict: GuardedFetcher, url: str) -> None:
    with pytest.raises(UrlNotAllowed):
        await fetch(strict, url)


async def test_private_allowed_reaches_loopback(
    lenient: GuardedFetcher, loopback_port: int
) -> None:
    assert await fetch(lenient, f"http://127.0.0.1:{loopback_port}/ok") == (
        200,
        b"ok GET 127.0.0.1:%d" % loopback_port,
    )


async def test_the_connection_goes_to_the_checked_address(
    lenient: GuardedFetcher, loopback_port: int
) -> None:
    """`pinned.test` exists only in the resolver the policy consulted; reaching the server
    proves the connection used that answer and no second lookup."""
    status, body = await fetch(lenient, f"http://pinned.test:{loopback_port}/ok")
    assert status == 200 and body.endswith(b"pinned.test:%d" % loopback_port)


async def test_multicast_and_unspecified_stay_refused_when_private_is_allowed(
    lenient: GuardedFetcher,
) -> None:
    for host in ("224.0.0.1", "0.0.0.0", "[ff02::1]", "[::]"):
        with pytest.raises(UrlNotAllowed):
            await fetch(lenient, f"http://{host}/ok")


async def test_redirects_are_followed_up_to_three(
    lenient: GuardedFetcher, loopback_port: int
) -> None:
    assert (await fetch(lenient, f"http://127.0.0.1:{loopback_port}/hop/2"))[0] == 200
    with pytest.raises(FetchFailed, match="more than 3 redirects"):
        await fetch(lenient, f"http://127.0.0.1:{loopback_port}/hop/3")


async def test_without_redirects_the_redirect_is_the_answer(
    lenient: GuardedFetcher, loopback_port: int
) -> None:
    status, _ = await fetch(lenient, f"http://127.0.0.1:{loopback_port}/hop/0", max_redirects=0)
    assert status == 302


@pytest.mark.parametrize("to", ["http://224.0.0.1/x", "file:///etc/passwd", "http://[::]/"])
async def test_every_hop_is_checked(lenient: GuardedFetcher, loopback_port: int, to: str) -> None:
    with pytest.raises(UrlNotAllowed):
        await fetch(lenient, f"http://127.0.0.1:{loopback_port}/away?to={to}")


async def test_a_post_is_sent_with_its_body(lenient: GuardedFetcher, loopback_port: int) -> None:
    status, body = await fetch(
        lenient,
        f"http://127.0.0.1:{loopback_port}/echo",
        method="POST",
        body=b"{}",
        max_redirects=0,
    )
    assert (status, body) == (200, b"{}")


@pytest.mark.parametrize("declared", ["0", "1"])
async def test_the_body_is_capped(
    lenient: GuardedFetcher, loopback_port: int, declared: str
) -> None:
    url = f"http://127.0.0.1:{loopback_port}/big?size={2 * 1048576}&declared={declared}"
    with pytest.raises(FetchTooLarge):
        await fetch(lenient, url, max_bytes=1048576)
    status, body = await fetch(lenient, url, max_bytes=2 * 1048576)
    assert status == 200 and len(body) == 2 * 1048576


async def test_the_whole_exchange_has_a_deadline(
    lenient: GuardedFetcher, loopback_port: int
) -> None:
    with pytest.raises(FetchFailed, match=r"within 0\.2 s"):
        await fetch(lenient, f"http://127.0.0.1:{loopback_port}/stall", timeout_s=0.2)


async def test_an_unreachable_server_is_a_failed_fetch(lenient: GuardedFetcher) -> None:
    with pytest.raises(FetchFailed):
        await fetch(lenient, "http://127.0.0.1:9/ok")


async def test_an_unknown_name_is_a_failed_fetch(strict: GuardedFetcher) -> None:
    with pytest.raises(FetchFailed):
        await fetch(strict, "http://nowhere.test/ok")
