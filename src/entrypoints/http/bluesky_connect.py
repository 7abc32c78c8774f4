"""POST /v1/integrations/bluesky/connect: connect a Bluesky account with an app password.

The route is declared as `/{platform}/connect`, the path of the GET that starts a connect:
Litestar matches a static segment before a parameter, so a static `/bluesky/connect` would
hide that GET. Register this controller in the same router as `IntegrationController`.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from dishka import FromDishka
from litestar import Controller, Request, Response, post
from litestar.exceptions import MethodNotAllowedException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from application.connect_bluesky import ConnectBluesky
from application.errors import NotFound, PlatformUnavailable
from domain.platform import Platform
from entrypoints.http.caller import caller
from entrypoints.http.inject import inject
from entrypoints.http.openapi import API_KEY, EVERY_POST, errors
from entrypoints.http.schemas import IntegrationOut, integration_out


class BlueskyConnectIn(msgspec.Struct, forbid_unknown_fields=True):
    identifier: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=255,
            description="Handle (a leading @ is ignored), DID or account email.",
            examples=["you.bsky.social"],
        ),
    ]
    password: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=255,
            description="An app password (Settings > Privacy and security > App passwords).",
            examples=["xxxx-xxxx-xxxx-xxxx"],
        ),
    ]


RESPONSES = {
    200: ResponseSpec(
        data_container=IntegrationOut,
        description="The account was connected before in this workspace: reactivated, same id",
    ),
    **errors(404, 405, 502, *EVERY_POST),
}


class BlueskyConnectController(Controller):
    path = "/v1/integrations"
    security = API_KEY
    tags = ["Integrations"]

    @post(
        "/{platform:str}/connect",
        status_code=201,
        responses=RESPONSES,
        summary="Connect a Bluesky account",
    )
    @inject
    async def connect_bluesky(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[ConnectBluesky],
        platform: FromPath[str],
        data: JSONBody[BlueskyConnectIn],
    ) -> Response[IntegrationOut]:
        """Only `bluesky` connects this way. Logs in to the server's configured Bluesky
        service, stores the session and the app password encrypted, and answers 201 with
        the new integration, or 200 when the same account was connected before (same id).
        A main password works but the integration carries the `main_password_used` warning
        and the password is not kept."""
        who = caller(request)
        _only_bluesky(platform)
        done = await use_case.execute(
            who.workspace_id, who.workspace_mode, data.identifier, data.password
        )
        return Response(integration_out(done.integration), status_code=201 if done.created else 200)


def _only_bluesky(platform: str) -> None:
    try:
        known = Platform(platform)
    except ValueError:
        raise NotFound(platform) from None
    if not known.is_available:
        raise PlatformUnavailable(known.value)
    if known is not Platform.BLUESKY:
        raise MethodNotAllowedException(headers={"allow": "GET"})
