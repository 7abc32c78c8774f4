"""The integrations page: each account's status and reason; Connect X (the OAuth flow in
the browser, back here), Connect Bluesky, Reconnect, Disconnect after a confirmation."""

from __future__ import annotations

from typing import Any

from dishka import FromDishka
from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from application.connect_bluesky import ConnectBluesky
from application.disconnect_integration import DisconnectIntegration
from application.errors import NotFound
from application.get_integration import GetIntegration
from application.list_integrations import ListIntegrations, ListIntegrationsQuery
from application.start_connect import OAuthConnect, StartConnect
from domain.integration import Integration, IntegrationStatus
from domain.platform import Platform
from entrypoints.http.dashboard.web import (
    BASE,
    back_to,
    checked_form,
    is_https,
    refused,
    render,
    signed_in,
    text_fields,
    to_sign_in,
)
from entrypoints.http.inject import inject, inject_app
from entrypoints.http.params import parse_id
from entrypoints.settings import Settings

# Set when the dashboard starts an X connect: the callback then brings the browser back here.
RETURN_COOKIE = "openpost_connect_return"
RETURN_COOKIE_PATH = "/api/platforms/twitter/callback"
NOTICES = {
    "connected": "The account is connected.",
    "disconnected": "The account is disconnected.",
}
REASONS = {
    "token_expired": "Its access expired: reconnect it.",
    "token_revoked": "Its access was revoked at the platform: reconnect it.",
    "disconnected_by_user": "Disconnected from this workspace.",
}


async def _all(use_case: ListIntegrations, workspace_id: Any) -> list[Integration]:
    live = await use_case.execute(ListIntegrationsQuery(workspace_id, None, 200))
    gone = await use_case.execute(
        ListIntegrationsQuery(workspace_id, IntegrationStatus.DISCONNECTED, 200)
    )
    return [*live.items, *gone.items]


class IntegrationPages(Controller):
    path = f"{BASE}/integrations"
    include_in_schema = False

    @get("/")
    @inject_app
    async def integrations(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        use_case: FromDishka[ListIntegrations],
        notice: FromQuery[str | None] = None,
        integration_id: FromQuery[str | None] = None,
        reconnect: FromQuery[str | None] = None,
    ) -> Template | Redirect:
        who = await signed_in(request)
        if who is None:
            return to_sign_in()
        if integration_id is not None:  # back from X's consent screen
            notice = "connected"
        return await self._page(
            request, settings, use_case, who, NOTICES.get(notice or ""), None, reconnect or ""
        )

    async def _page(
        self,
        request: Request[Any, Any, Any],
        settings: Settings,
        use_case: ListIntegrations,
        who: Any,
        notice: str | None,
        error: str | None,
        identifier: str = "",
        status: int = 200,
    ) -> Template:
        items = await _all(use_case, who.workspace_id)
        return render(
            settings,
            "integrations.html",
            {
                "title": "Integrations",
                "nav": "integrations",
                "csrf": who.session.csrf,
                "integrations": items,
                "reasons": REASONS,
                "notice": notice,
                "error": error,
                "identifier": identifier,
                "zone": who.zone,
            },
            status=status,
        )

    @post("/connect/twitter")
    @inject
    async def connect_twitter(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        use_case: FromDishka[StartConnect],
        listing: FromDishka[ListIntegrations],
    ) -> Template | Redirect:
        who = await signed_in(request)
        if who is None:
            return to_sign_in()
        await checked_form(request, who)
        try:
            started = await use_case.execute(
                who.workspace_id, who.principal.workspace_mode, Platform.TWITTER
            )
        except Exception as exc:
            refusal = refused(exc)
            if refusal is None:
                raise
            return await self._page(
                request, settings, listing, who, None, refusal.message, status=refusal.status
            )
        assert isinstance(started, OAuthConnect)
        back = Cookie(
            key=RETURN_COOKIE,
            value="1",
            path=RETURN_COOKIE_PATH,
            httponly=True,
            samesite="lax",
            secure=is_https(request, settings),
            max_age=settings.oauth_state_ttl_s,
        )
        return Redirect(started.url, status_code=303, cookies=[back])

    @post("/connect/bluesky")
    @inject
    async def connect_bluesky(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        use_case: FromDishka[ConnectBluesky],
        listing: FromDishka[ListIntegrations],
    ) -> Template | Redirect:
        who = await signed_in(request)
        if who is None:
            return to_sign_in()
        form = text_fields(await checked_form(request, who))
        identifier = form.get("identifier", "").strip()
        password = form.get("password", "")
        if not identifier or not password:
            return await self._page(
                request,
                settings,
                listing,
                who,
                None,
                "Give the account's handle and an app password.",
                identifier,
                422,
            )
        try:
            await use_case.execute(
                who.workspace_id, who.principal.workspace_mode, identifier[:255], password[:255]
            )
        except Exception as exc:
            refusal = refused(exc)
            if refusal is None:
                raise
            return await self._page(
                request, settings, listing, who, None, refusal.message, identifier, refusal.status
            )
        return back_to("/integrations", notice="connected")

    @get("/{integration_id:str}/disconnect")
    @inject_app
    async def confirm_disconnect(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        use_case: FromDishka[GetIntegration],
        integration_id: FromPath[str],
    ) -> Template | Redirect:
        who = await signed_in(request)
        if who is None:
            return to_sign_in()
        try:
            integration = await use_case.execute(who.workspace_id, parse_id(integration_id))
        except NotFound:
            return back_to("/integrations")
        except Exception as exc:
            if refused(exc) is None:
                raise
            return back_to("/integrations")
        return render(
            settings,
            "disconnect.html",
            {
                "title": "Disconnect",
                "nav": "integrations",
                "csrf": who.session.csrf,
                "integration": integration,
            },
        )

    @post("/{integration_id:str}/disconnect")
    @inject
    async def disconnect(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[DisconnectIntegration],
        integration_id: FromPath[str],
    ) -> Redirect:
        who = await signed_in(request)
        if who is None:
            return to_sign_in()
        await checked_form(request, who)
        await use_case.execute(
            who.workspace_id, who.principal.workspace_mode, parse_id(integration_id)
        )
        return back_to("/integrations", notice="disconnected")
