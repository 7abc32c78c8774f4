"""Link cards from real HTTP pages on loopback, through the guarded fetcher."""

from __future__ import annotations

import io
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from PIL import Image

from adapters.fetch.fetcher import GuardedFetcher
from adapters.fetch.policy import AddressPolicy
from adapters.link_cards import THUMB_BYTES, OpenGraphLinkCards


def png(size: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def noisy_png() -> bytes:
    """A PNG well over 1,000,000 bytes (random pixels do not compress)."""
    import os

    out = io.BytesIO()
    Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3)).save(out, "PNG")
    assert out.tell() > THUMB_BYTES
    return out.getvalue()


PAGES = {
    "/og": """<html><head><title>Plain title</title>
        <meta property="og:title" content="  The   OG title ">
        <meta property="og:description" content="What it is about">
        <meta property="og:image" content="/img/small.png"></head><body>x</body></html>""",
    "/plain": """<html><head><title>Only a title</title>
        <meta name="description" content="From the description meta"></head></html>""",
    "/big-image": """<html><head><meta property="og:title" content="Big">
        <meta property="og:image" content="/img/big.png"></head></html>""",
    "/broken-image": """<html><head><meta property="og:title" content="Broken">
        <meta property="og:image" content="/missing.png"></head></html>""",
    "/empty": "<html><body>nothing to say</body></html>",
}


@pytest.fixture(scope="module")
async def site() -> AsyncIterator[str]:
    images = {"/img/small.png": png(8), "/img/big.png": noisy_png()}

    async def page(request: web.Request) -> web.Response:
        if request.path in images:
            return web.Response(body=images[request.path], content_type="image/png")
        if request.path == "/text":
            return web.Response(text="just text", content_type="text/plain")
        if request.path == "/huge":
            body = "<html><head><title>Huge</title></head><body>" + "x" * 2_000_000
            return web.Response(text=body, content_type="text/html")
        if request.path not in PAGES:
            raise web.HTTPNotFound()
        return web.Response(text=PAGES[request.path], content_type="text/html")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", page)
    runner = web.AppRunner(app)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    await runner.cleanup()


@pytest.fixture
async def cards() -> AsyncIterator[OpenGraphLinkCards]:
    fetcher = GuardedFetcher(AddressPolicy(allow_private=True))
    yield OpenGraphLinkCards(fetcher)
    await fetcher.close()


async def test_open_graph_tags_make_the_card_and_the_image_its_thumbnail(
    site: str, cards: OpenGraphLinkCards
) -> None:
    card = await cards.card_for(f"{site}/og")
    assert card is not None
    assert (card.url, card.title, card.description) == (
        f"{site}/og",
        "The OG title",
        "What it is about",
    )
    assert (card.thumb, card.thumb_type) == (png(8), "image/png")


async def test_html_meta_tags_when_there_is_no_open_graph(
    site: str, cards: OpenGraphLinkCards
) -> None:
    card = await cards.card_for(f"{site}/plain")
    assert card is not None and (card.title, card.description) == (
        "Only a title",
        "From the description meta",
    )
    assert card.thumb is None


async def test_a_large_image_is_re_encoded_under_a_million_bytes(
    site: str, cards: OpenGraphLinkCards
) -> None:
    card = await cards.card_for(f"{site}/big-image")
    assert card is not None and card.thumb is not None
    assert card.thumb_type == "image/jpeg" and len(card.thumb) <= THUMB_BYTES


async def test_a_page_read_past_a_megabyte_is_parsed_as_far_as_read(
    site: str, cards: OpenGraphLinkCards
) -> None:
    card = await cards.card_for(f"{site}/huge")
    assert card is not None and card.title == "Huge"


@pytest.mark.parametrize("path", ["/missing", "/text", "/empty"])
async def test_no_card_when_there_is_nothing_to_show(
    site: str, cards: OpenGraphLinkCards, path: str
) -> None:
    assert await cards.card_for(f"{site}{path}") is None


async def test_a_broken_image_leaves_a_card_without_a_picture(
    site: str, cards: OpenGraphLinkCards
) -> None:
    card = await cards.card_for(f"{site}/broken-image")
    assert card is not None and card.title == "Broken" and card.thumb is None


async def test_a_private_address_is_refused_by_the_guard_and_gives_no_card(site: str) -> None:
    fetcher = GuardedFetcher(AddressPolicy(allow_private=False))
    try:
        assert await OpenGraphLinkCards(fetcher).card_for(f"{site}/og") is None
    finally:
        await fetcher.close()
