"""The MCP tools through the SDK's own client, over stdio (`openpost mcp`) and streamable
HTTP (`/mcp` of `openpost serve`): the same use cases, shapes and codes as the API."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from domain.platform import Platform
from tests.e2e.mcp_world import McpWorld, call, image_server, integration_on, refused, world
from tests.support.serve import OPENPOST

__all__ = ["image_server", "world"]

TOOLS = {
    "list_integrations",
    "get_integration",
    "next_slot",
    "list_slots",
    "upload_media_from_url",
    "create_post",
    "list_posts",
    "get_post",
    "update_post",
    "cancel_post",
}


README = Path(__file__).parents[2] / "README.md"
CHECKOUT = "/path/to/openpost-integrations"


def readme_configurations() -> list[dict[str, Any]]:
    """The client configurations the README shows: stdio first, then HTTP."""
    section = README.read_text().split("## Scheduling from an AI assistant (MCP)", 1)[1]
    blocks = re.findall(r"```json\n(.*?)```", section.split("\n## ", 1)[0], re.S)
    return [json.loads(block)["mcpServers"]["openpost"] for block in blocks]


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_every_tool_is_listed_with_its_schemas(world: McpWorld) -> None:
    created = await world.workspace()
    async with world.client(created.api_key.plaintext) as client:
        listed = (await client.list_tools()).tools
    assert {tool.name for tool in listed} == TOOLS
    for tool in listed:
        assert tool.description and "\n" not in tool.description
        assert tool.input_schema["type"] == "object"
        assert tool.input_schema["additionalProperties"] is False
        assert tool.output_schema is not None and tool.output_schema["type"] == "object"
    create = next(tool for tool in listed if tool.name == "create_post")
    assert create.input_schema["required"] == ["integrations"]  # content, or thread_parts
    assert "next_slot" in create.input_schema["properties"]["schedule_at"]["description"]


async def test_a_post_in_the_next_slot_is_published_on_the_simulated_platform(
    world: McpWorld,
) -> None:
    created = await world.workspace()
    x = integration_on(created, Platform.TWITTER)
    async with world.client(created.api_key.plaintext) as client:
        listed = await call(client, "list_integrations", {})
        assert {i["id"] for i in listed["data"]} == {str(i.id) for i in created.integrations}
        slot = await call(client, "next_slot", {"integration_id": x})
        assert slot["integration_id"] == x and slot["platform"] == "twitter"
        post = await call(
            client,
            "create_post",
            {"content": "Hello from an assistant", "integrations": [x], "schedule_at": "next_slot"},
        )
        assert post["status"] == "scheduled"
        assert post["scheduled_at"].endswith(":00:00Z")
        assert [t["status"] for t in post["post_targets"]] == ["pending"]
        # The slot is taken now: the next one is another hour.
        after = await call(client, "next_slot", {"integration_id": x})
        assert after["date"] != post["scheduled_at"]

        assert await world.publish_due(moment(post["scheduled_at"])) == 1

        published = await call(client, "get_post", {"post_id": post["id"]})
        assert published["status"] == "published"
        assert published["published_at"] == post["scheduled_at"]
        [target] = published["post_targets"]
        assert target["status"] == "published" and target["attempts"] == 1
        assert target["platform_post_id"] and target["platform_post_url"].startswith("https://")
        listed_posts = await call(client, "list_posts", {"status": "published"})
        assert [p["id"] for p in listed_posts["data"]] == [post["id"]]


async def test_slots_are_previewed_and_media_is_fetched_from_a_url(
    world: McpWorld, image_server: str
) -> None:
    created = await world.workspace()
    x = integration_on(created, Platform.TWITTER)
    async with world.client(created.api_key.plaintext) as client:
        slots = await call(client, "list_slots", {"integration_id": x, "count": 3})
        dates = [slot["date"] for slot in slots["data"]]
        assert len(set(dates)) == 3 and dates == sorted(dates)
        assert all(date.endswith(":00:00Z") for date in dates)
        none = await refused(client, "list_slots", {"integration_id": x, "count": 0})
        assert none["code"] == "validation_error" and none["details"]["field"] == "count"

        arguments = {"url": f"{image_server}/image.png", "alt_text": "A chart"}
        media = await call(client, "upload_media_from_url", arguments)
        assert (media["width"], media["height"], media["alt_text"]) == (12, 34, "A chart")
        post = await call(
            client,
            "create_post",
            {"content": "With a chart", "integrations": [x], "media": [media["id"]]},
        )
        assert post["media"] == [media["id"]]
        missing = await refused(client, "upload_media_from_url", {"url": f"{image_server}/no"})
        assert missing["code"] == "url_fetch_failed"
        private = await refused(client, "upload_media_from_url", {"url": "ftp://example.com/a"})
        assert private["code"] == "url_not_allowed"


async def test_a_canceled_post_is_never_published(world: McpWorld) -> None:
    created = await world.workspace()
    both = [str(i.id) for i in created.integrations]
    async with world.client(created.api_key.plaintext) as client:
        post = await call(
            client,
            "create_post",
            {"content": "Never mind", "integrations": both, "schedule_at": "next_slot"},
        )
        canceled = await call(client, "cancel_post", {"post_id": post["id"]})
        assert canceled["status"] == "canceled"
        assert {t["status"] for t in canceled["post_targets"]} == {"canceled"}

        assert await world.publish_due(moment(post["scheduled_at"])) == 0
        again = await refused(client, "cancel_post", {"post_id": post["id"]})
        assert again["code"] == "post_not_cancelable"
        assert (await call(client, "get_post", {"post_id": post["id"]}))["status"] == "canceled"


async def test_a_post_is_edited_field_by_field(world: McpWorld) -> None:
    created = await world.workspace()
    bluesky = integration_on(created, Platform.BLUESKY)
    async with world.client(created.api_key.plaintext) as client:
        draft = await call(client, "create_post", {"content": "Draft", "integrations": [bluesky]})
        assert draft["status"] == "draft" and draft["scheduled_at"] is None
        edited = await call(
            client, "update_post", {"post_id": draft["id"], "content": "Final", "tags": ["launch"]}
        )
        assert (edited["content"], edited["tags"], edited["status"]) == (
            "Final",
            ["launch"],
            "draft",
        )
        too_late = await refused(
            client,
            "update_post",
            {"post_id": draft["id"], "schedule_at": "2099-01-01T09:30:00+02:00"},
        )
        assert too_late["code"] == "validation_error"
        assert too_late["details"]["field"] == "schedule_at"
        scheduled = await call(
            client, "update_post", {"post_id": draft["id"], "schedule_at": "next_slot"}
        )
        assert scheduled["status"] == "scheduled" and scheduled["content"] == "Final"


async def test_lists_page_like_the_api(world: McpWorld) -> None:
    created = await world.workspace()
    x = integration_on(created, Platform.TWITTER)
    async with world.client(created.api_key.plaintext) as client:
        first = await call(client, "list_integrations", {"limit": 1})
        assert first["has_more"] is True and len(first["data"]) == 1
        rest = await call(
            client, "list_integrations", {"limit": 1, "starting_after": first["data"][0]["id"]}
        )
        assert rest["has_more"] is False and len(rest["data"]) == 1
        assert rest["data"][0]["id"] != first["data"][0]["id"]

        ids = [
            (await call(client, "create_post", {"content": f"n{n}", "integrations": [x]}))["id"]
            for n in range(3)
        ]
        page = await call(client, "list_posts", {"limit": 2, "integration_id": x})
        assert [p["id"] for p in page["data"]] == ids[::-1][:2] and page["has_more"] is True
        last = await call(client, "list_posts", {"limit": 2, "starting_after": ids[1]})
        assert [p["id"] for p in last["data"]] == [ids[0]] and last["has_more"] is False


async def test_the_readme_configurations_work_as_written(world: McpWorld) -> None:
    stdio, http = readme_configurations()
    key = (await world.workspace()).api_key.plaintext
    client: Client
    if world.server is None:
        env = {
            name: value.replace("op_test_...", key).replace(CHECKOUT, str(world.cwd))
            for name, value in stdio["env"].items()
        }
        command = stdio["command"].replace(f"{CHECKOUT}/.venv/bin/openpost", str(OPENPOST))
        client = Client(StdioServerParameters(command=command, args=stdio["args"], env=env))
    else:
        headers = {k: v.replace("op_test_...", key) for k, v in http["headers"].items()}
        url = http["url"].replace("http://127.0.0.1:8000", world.server.url)
        client = Client(
            streamable_http_client(url, http_client=httpx2.AsyncClient(headers=headers))
        )
    async with client:
        listed = await call(client, "list_integrations", {})
    assert {i["platform"] for i in listed["data"]} == {"twitter", "bluesky"}
