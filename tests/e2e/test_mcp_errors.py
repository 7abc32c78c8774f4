"""Every refusal of the MCP tools is a tool error (`isError`) carrying the API's error body
and `code`, on both transports; a bad key never gets to a tool."""

from __future__ import annotations

import uuid

import pytest
from mcp import MCPError

from domain.platform import Platform
from tests.e2e.mcp_world import McpWorld, call, integration_on, refused, world

__all__ = ["world"]

NOT_FOUND = {
    "error": "No resource with that ID in this workspace.",
    "code": "not_found",
}


async def test_another_workspaces_ids_are_not_found(world: McpWorld) -> None:
    ours, theirs = await world.workspace("ours"), await world.workspace("theirs")
    their_x = integration_on(theirs, Platform.TWITTER)
    async with world.client(theirs.api_key.plaintext) as client:
        their_post = await call(client, "create_post", {"content": "x", "integrations": [their_x]})
    async with world.client(ours.api_key.plaintext) as client:
        for tool, arguments in [
            ("get_integration", {"integration_id": their_x}),
            ("next_slot", {"integration_id": their_x}),
            ("get_post", {"post_id": their_post["id"]}),
            ("update_post", {"post_id": their_post["id"], "content": "mine now"}),
            ("cancel_post", {"post_id": their_post["id"]}),
            ("get_post", {"post_id": "not-a-uuid"}),
            ("get_integration", {"integration_id": str(uuid.uuid4())}),
        ]:
            body = await refused(client, tool, arguments)
            assert {k: body[k] for k in ("error", "code")} == NOT_FOUND, (tool, body)
        foreign = await refused(
            client, "create_post", {"content": "x", "integrations": [their_x]}
        )
        assert foreign["code"] == "integration_not_found"
        assert foreign["details"]["field"] == "integrations[0]"
        mixed = await refused(
            client,
            "list_posts",
            {"starting_after": their_post["id"]},
        )
        assert mixed["code"] == "validation_error"
        assert mixed["details"]["field"] == "starting_after"
    async with world.client(theirs.api_key.plaintext) as client:
        untouched = await call(client, "get_post", {"post_id": their_post["id"]})
        assert (untouched["content"], untouched["status"]) == ("x", "draft")


async def test_a_disconnected_integration_is_refused(world: McpWorld) -> None:
    created = await world.workspace()
    x, bluesky = integration_on(created, Platform.TWITTER), integration_on(created, Platform.BLUESKY)
    async with world.client(created.api_key.plaintext) as client:
        draft = await call(client, "create_post", {"content": "later", "integrations": [x]})
        await world.disconnect(created, x)

        body = await refused(
            client,
            "create_post",
            {"content": "now", "integrations": [bluesky, x], "schedule_at": "next_slot"},
        )
        assert body["code"] == "integration_disconnected"
        assert body["details"]["field"] == "integrations[1]"
        slot = await refused(client, "next_slot", {"integration_id": x})
        assert slot["code"] == "integration_disconnected"
        reschedule = await refused(
            client, "update_post", {"post_id": draft["id"], "schedule_at": "next_slot"}
        )
        assert reschedule["code"] == "integration_disconnected"
        shown = await call(client, "get_integration", {"integration_id": x})
        assert (shown["status"], shown["status_reason"]) == ("disconnected", "disconnected_by_user")
        listed = await call(client, "list_integrations", {})
        assert [i["id"] for i in listed["data"]] == [bluesky]
        assert (await call(client, "list_posts", {}))["data"][0]["id"] == draft["id"]


BAD_ARGUMENTS: list[tuple[str, dict[str, object], str]] = [
    ("list_integrations", {"limit": 0}, "limit"),
    ("list_integrations", {"limit": 201}, "limit"),
    ("list_integrations", {"status": "sleeping"}, "status"),
    ("list_posts", {"integration_id": "nope"}, "integration_id"),
    ("list_posts", {"starting_after": "nope"}, "starting_after"),
    ("get_post", {}, "post_id"),
    ("get_post", {"post_id": 7}, "post_id"),
    ("create_post", {"content": "x"}, "integrations"),
    ("create_post", {"content": "x", "integrations": [], "colour": "red"}, "colour"),
    ("create_post", {"content": "x", "integrations": []}, "integrations"),
    ("create_post", {"content": "x", "integrations": ["X"], "schedule_at": "soon"}, "schedule_at"),
    (
        "create_post",
        {"content": "x", "integrations": ["X"], "schedule_at": "2030-01-01T10:00:00"},
        "schedule_at",
    ),
    (
        "create_post",
        {"content": "x", "integrations": ["X"], "platform_overrides": {"mastodon": {}}},
        "platform_overrides.mastodon",
    ),
    ("list_posts", {"status": "lost"}, "status"),
    ("update_post", {"post_id": "P", "tags": [""]}, "tags[0]"),
    ("update_post", {"post_id": "P", "content": 5}, "content"),
    ("update_post", {"post_id": "P", "schedule_at": "2030-01-01"}, "schedule_at"),
]


async def test_bad_arguments_are_validation_errors_naming_the_field(world: McpWorld) -> None:
    """`X` stands for one of the workspace's integrations, `P` for one of its posts."""
    created = await world.workspace()
    x = integration_on(created, Platform.TWITTER)
    async with world.client(created.api_key.plaintext) as client:
        post = await call(client, "create_post", {"content": "a draft", "integrations": [x]})
        for tool, arguments, field in BAD_ARGUMENTS:
            filled = {
                k: ([x if i == "X" else i for i in v] if isinstance(v, list) else v)
                for k, v in arguments.items()
            }
            if filled.get("post_id") == "P":
                filled["post_id"] = post["id"]
            body = await refused(client, tool, filled)
            assert body["code"] == "validation_error", (tool, arguments, body)
            assert body["details"]["field"] == field, (tool, arguments, body)
        untouched = await call(client, "get_post", {"post_id": post["id"]})
        assert untouched["tags"] == [] and untouched["updated_at"] == post["updated_at"]


async def test_content_a_platform_refuses_is_named_by_its_code(world: McpWorld) -> None:
    created = await world.workspace()
    x = integration_on(created, Platform.TWITTER)
    async with world.client(created.api_key.plaintext) as client:
        long = await refused(client, "create_post", {"content": "y" * 281, "integrations": [x]})
        assert long["code"] == "content_too_long" and long["details"]["field"] == "content"
        empty = await refused(client, "create_post", {"content": "", "integrations": [x]})
        assert empty["code"] == "validation_error" and empty["details"]["field"] == "content"


async def test_an_unknown_tool_is_a_protocol_error(world: McpWorld) -> None:
    created = await world.workspace()
    async with world.client(created.api_key.plaintext) as client:
        with pytest.raises(MCPError, match="Unknown tool: delete_everything"):
            await client.call_tool("delete_everything", {})
