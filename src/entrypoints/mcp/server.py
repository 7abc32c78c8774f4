"""The MCP server (the SDK's low-level `Server`): the tools of `tools.py` over any
transport, for whichever workspace `principal_of` names per call.

A call answers the API's object as structured content (and as JSON text, for clients that
read only text). A refusal is a tool error (`isError`) whose content is the API's error
body, `{"error", "code", "details"?, "request_id"}`, with the `code` of the one error table;
so a model sees the same codes as an HTTP client. Arguments are checked against the
tool's schema by the same Structs that generate it; a bad one is `validation_error` naming
the field. An unknown tool is a protocol error, as the MCP specification asks."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from dishka import AsyncContainer
from mcp import types
from mcp.server import Server, ServerRequestContext
from mcp.shared.exceptions import MCPError

from application.ports.api_keys import Principal
from entrypoints.http.envelope import new_request_id, render
from entrypoints.mcp.arguments import input_schema
from entrypoints.mcp.tools import TOOLS, Tool
from entrypoints.refusals import Refusal, field_from, refusal_of, validation_refusal

log = logging.getLogger("openpost.mcp")

Context = ServerRequestContext[Any, Any]
PrincipalOf = Callable[[Context], Awaitable[Principal | None]]
RequestIdOf = Callable[[Context], str]

INVALID_KEY = Refusal(401, "invalid_api_key", "Invalid API key")
INTERNAL = Refusal(500, "internal_error", "Something went wrong on our side.")
READ_ONLY = {"list_integrations", "get_integration", "next_slot", "list_posts", "get_post"}


def build_server(
    container: AsyncContainer,
    principal_of: PrincipalOf,
    request_id_of: RequestIdOf = lambda ctx: new_request_id(),
) -> Server[Any]:
    """`principal_of` says who calls (None: a key no longer valid); `request_id_of` names
    the call in logs and error bodies (over HTTP, the request's own `Request-Id`)."""
    by_name = {tool.name: tool for tool in TOOLS}
    listed = types.ListToolsResult(tools=[_describe(tool) for tool in TOOLS])

    async def on_list_tools(
        ctx: Context, params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return listed

    async def on_call_tool(
        ctx: Context, params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        tool = by_name.get(params.name)
        if tool is None:
            raise MCPError(types.INVALID_PARAMS, f"Unknown tool: {params.name}")
        request_id = request_id_of(ctx)
        caller = await principal_of(ctx)
        if caller is None:
            return _refused(INVALID_KEY, request_id)
        try:
            arguments = msgspec.convert(params.arguments or {}, tool.arguments)
        except msgspec.ValidationError as error:
            message = str(error)
            return _refused(validation_refusal(field_from(message), message), request_id)
        try:
            async with container() as scope:
                result = await tool.run(scope, caller, arguments)
        except Exception as error:
            refusal = refusal_of(error)
            if refusal is None:
                log.exception("tool %s failed", tool.name, extra={"request_id": request_id})
                refusal = INTERNAL
            return _refused(refusal, request_id)
        body = msgspec.to_builtins(result)
        return types.CallToolResult(content=[_text(body)], structured_content=body, is_error=False)

    return Server(
        "openpost",
        version="1.0.0",
        instructions=(
            "Schedule social media posts on the workspace's connected accounts (X, Bluesky): "
            "list_integrations for account ids, then create_post, get_post to follow it."
        ),
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
    )


def _describe(tool: Tool) -> types.Tool:
    read_only = tool.name in READ_ONLY
    return types.Tool(
        name=tool.name,
        description=tool.description,
        input_schema=input_schema(tool.arguments),
        output_schema=input_schema(tool.result),
        annotations=types.ToolAnnotations(
            read_only_hint=read_only,
            destructive_hint=tool.name == "cancel_post",
            open_world_hint=False,
        ),
    )


def _text(body: Any) -> types.TextContent:
    return types.TextContent(type="text", text=msgspec.json.encode(body).decode())


def _refused(refusal: Refusal, request_id: str) -> types.CallToolResult:
    """The API's error body, written by the envelope's own renderer."""
    text = render(refusal, request_id).decode()
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)
