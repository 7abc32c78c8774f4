"""POST /v1/integrations/bluesky/connect: connect a Bluesky account with an app password.

Documented under its own path, as clients generated from the document call it. Litestar
matches a static segment before a parameter, so this path also answers (and documents)
the GET that starts a connect for Bluesky, which would otherwise never reach
`/{platform}/connect`.
A POST to another platform's connect path is 405: that path takes only a GET.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from dishka import FromDishka
from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from application.connect_bluesky import ConnectBluesky
from application.start_connect import StartConnect
from domain.platform import Platform
from entrypoints.http.caller import caller
from entrypoints.http.inject import inject
from entrypoints.http.integrations import start
from entrypoints.http.openapi import API_KEY, EVERY_POST, errors
from entrypoints.http.schemas import (
    CredentialsConnect,
    Integration,
    OAuthConnect,
    integration_out,
)


class BlueskyCredentials(msgspec.Struct, forbid_unknown_fields=True):
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
        data_container=Integration,
        description="The account was connected before in this workspace: reactivated, same id",
    ),
    **errors(502, *EVERY_POST),
}


class BlueskyConnectController(Controller):
    path = "/v1/integrations"
    security = API_KEY
    tags = ["Integrations"]

    @post(
        "/bluesky/connect",
        status_code=201,
        responses=RESPONSES,
        summary="Connect a Bluesky account",
        operation_id="connectBluesky",
    )
    @inject
    async def connect_bluesky(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[ConnectBluesky],
        data: JSONBody[BlueskyCredentials],
    ) -> Response[Integration]:
        """Only `bluesky` connects this way. Logs in to the server's configured Bluesky
        service, stores the session and the app password encrypted, and answers 201 with
        the new integration, or 200 when the same account was connected before (same id).
        A main password works but the integration carries the `main_password_used` warning
        and the password is not kept."""
        who = caller(request)
        done = await use_case.execute(
            who.workspace_id, who.workspace_mode, data.identifier, data.password
        )
        return Response(
            integration_out(done.integration), status_code=200 if done.reactivated else 201
        )

    @get(
        "/bluesky/connect",
        responses=errors(),
        summary="How to connect a Bluesky account",
        operation_id="startBlueskyConnect",
    )
    @inject
    async def start_bluesky_connect(
        self, request: Request[Any, Any, Any], use_case: FromDishka[StartConnect]
    ) -> OAuthConnect | CredentialsConnect:
        """`startConnect` for Bluesky: where to POST an app password, and how."""
        return await start(request, use_case, Platform.BLUESKY.value)
