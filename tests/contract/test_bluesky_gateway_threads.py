"""Thread parts, replies, quotes, link cards and languages on a real PDS, read back."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.platforms.bluesky import AtprotoBlueskyGateway
from application.ports.credentials import Credentials
from application.ports.threads import LinkCard, OutgoingPart, ReplyRefs, ReplyTargetNotFound
from domain.references import BlueskyPostRef, parse_bluesky_reference
from tests.peers.bluesky_pds import LocalPds, PdsAccount

pytestmark = pytest.mark.pds

POST = "app.bsky.feed.post"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture
async def gateway(bluesky_pds: LocalPds) -> AsyncIterator[AtprotoBlueskyGateway]:
    gateway = AtprotoBlueskyGateway(bluesky_pds.url, timeout=10)
    yield gateway
    await gateway.aclose()


async def logged_in(
    pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> tuple[PdsAccount, Credentials]:
    account = pds.create_account()
    login = await gateway.login(account.handle, pds.create_app_password(account))
    return account, login.credentials


def record(pds: LocalPds, uri: str) -> dict[str, Any]:
    did, _, rkey = uri.removeprefix("at://").split("/")
    found = pds.get_record(did, POST, rkey)
    assert found is not None
    return found


def strong(ref: dict[str, Any]) -> dict[str, Any]:
    """A strong reference without the `$type` the SDK adds: `{uri, cid}`."""
    return {key: value for key, value in ref.items() if key != "$type"}


async def test_a_thread_chains_root_and_parent_with_uri_and_cid(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    _, credentials = await logged_in(bluesky_pds, gateway)
    first = await gateway.publish_part(credentials, OutgoingPart("1/3", langs=("en",)))
    second = await gateway.publish_part(
        credentials, OutgoingPart("2/3", reply=ReplyRefs(first.ref, first.ref))
    )
    third = await gateway.publish_part(
        credentials, OutgoingPart("3/3", reply=ReplyRefs(first.ref, second.ref))
    )
    assert first.cid == record(bluesky_pds, first.platform_post_id)["cid"]
    assert record(bluesky_pds, first.platform_post_id)["value"]["langs"] == ["en"]
    reply = record(bluesky_pds, third.platform_post_id)["value"]["reply"]
    assert {"root": strong(reply["root"]), "parent": strong(reply["parent"])} == {
        "root": {"uri": first.platform_post_id, "cid": first.cid},
        "parent": {"uri": second.platform_post_id, "cid": second.cid},
    }


async def test_a_reference_resolves_to_the_post_and_its_thread_root(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    author, credentials = await logged_in(bluesky_pds, gateway)
    root = await gateway.publish_part(credentials, OutgoingPart("root"))
    child = await gateway.publish_part(
        credentials, OutgoingPart("child", reply=ReplyRefs(root.ref, root.ref))
    )
    rkey = child.platform_post_id.rsplit("/", 1)[1]
    by_handle = parse_bluesky_reference(f"https://bsky.app/profile/{author.handle}/post/{rkey}")
    refs = await gateway.resolve(credentials, by_handle)
    assert refs == ReplyRefs(root=root.ref, parent=child.ref)
    by_did = parse_bluesky_reference(child.platform_post_id)
    assert await gateway.resolve(credentials, by_did) == refs
    top = await gateway.resolve(credentials, parse_bluesky_reference(root.platform_post_id))
    assert top == ReplyRefs(root=root.ref, parent=root.ref)


async def test_a_missing_post_or_account_is_reply_target_not_found(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    author, credentials = await logged_in(bluesky_pds, gateway)
    for missing in (
        BlueskyPostRef(author.did, "3kzzzzzzzzzzz"),
        BlueskyPostRef("nobody-here.test", "3kzzzzzzzzzzz"),
    ):
        with pytest.raises(ReplyTargetNotFound):
            await gateway.resolve(credentials, missing)


async def test_a_quote_embeds_the_quoted_record(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    _, credentials = await logged_in(bluesky_pds, gateway)
    quoted = await gateway.publish_part(credentials, OutgoingPart("worth quoting"))
    quote = await gateway.publish_part(credentials, OutgoingPart("so true", quote=quoted.ref))
    embed = record(bluesky_pds, quote.platform_post_id)["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.record"
    assert strong(embed["record"]) == {"uri": quoted.platform_post_id, "cid": quoted.cid}


async def test_a_link_card_carries_its_thumbnail_blob(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    author, credentials = await logged_in(bluesky_pds, gateway)
    card = LinkCard("https://example.com/a", "A title", "A description", PNG, "image/png")
    post = await gateway.publish_part(
        credentials, OutgoingPart("read https://example.com/a", card=card)
    )
    embed = record(bluesky_pds, post.platform_post_id)["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.external"
    external = embed["external"]
    assert (external["uri"], external["title"], external["description"]) == (
        "https://example.com/a",
        "A title",
        "A description",
    )
    cid = external["thumb"]["ref"]["$link"]
    blob = bluesky_pds.http.get(
        "/xrpc/com.atproto.sync.getBlob", params={"did": author.did, "cid": cid}
    )
    assert blob.content == PNG


async def test_a_card_whose_thumbnail_is_refused_goes_without_it(
    bluesky_pds: LocalPds, gateway: AtprotoBlueskyGateway
) -> None:
    _, credentials = await logged_in(bluesky_pds, gateway)
    card = LinkCard("https://example.com/b", "B", "", b"x" * 1_000_001, "image/png")
    post = await gateway.publish_part(
        credentials, OutgoingPart("see https://example.com/b", card=card)
    )
    external = record(bluesky_pds, post.platform_post_id)["value"]["embed"]["external"]
    assert "thumb" not in external and external["title"] == "B"
