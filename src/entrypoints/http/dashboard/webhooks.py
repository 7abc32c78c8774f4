"""The webhooks pages: endpoints (add one, its secret shown once; delete), one endpoint's
deliveries, and sending it a test event."""

from __future__ import annotations

from typing import Any

from dishka import FromDishka
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from application.webhooks.create_endpoint import CreateWebhookEndpoint
from application.webhooks.delete_endpoint import DeleteWebhookEndpoint
from application.webhooks.get_endpoint import GetWebhookEndpoint
from application.webhooks.list_deliveries import ListDeliveriesQuery, ListWebhookDeliveries
from application.webhooks.list_endpoints import ListWebhookEndpoints
from application.webhooks.send_test import SendTestWebhook
from domain.webhooks.events import ALL_EVENTS, SUBSCRIBABLE
from entrypoints.http.dashboard.web import (
    BASE,
    SignedIn,
    back_to,
    checked_form,
    local,
    refused,
    render,
    signed_in,
    to_sign_in,
)
from entrypoints.http.inject import inject
from entrypoints.http.params import parse_id
from entrypoints.settings import Settings

EVENTS = sorted(e.value for e in SUBSCRIBABLE)
NOTICES = {
    "test": "A test event is queued for this endpoint.",
    "deleted": "The endpoint is deleted.",
}


class WebhookPages(Controller):
    path = f"{BASE}/webhooks"
    include_in_schema = False

    async def _list(
        self,
        settings: Settings,
        use_case: ListWebhookEndpoints,
        who: SignedIn,
        notice: str | None = None,
        error: str | None = None,
        form: dict[str, Any] | None = None,
        secret: str | None = None,
        status: int = 200,
    ) -> Template:
        page = await use_case.execute(who.workspace_id, 200)
        return render(
            settings,
            "webhooks.html",
            {
                "title": "Webhooks",
                "nav": "webhooks",
                "csrf": who.session.csrf,
                "endpoints": page.items,
                "events": EVENTS,
                "notice": notice,
                "error": error,
                "form": form or {},
                "secret": secret,
                "zone": who.zone,
            },
            status=status,
        )

    @get("/")
    @inject
    async def endpoints(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        use_case: FromDishka[ListWebhookEndpoints],
        notice: FromQuery[str | None] = None,
    ) -> Template | Redirect:
        who = await signed_in(request)
        if who is None:
            return to_sign_in()
        return await self._list(settings, use_case, who, NOTICES.get(notice or ""))

    @post("/")
    @inject
    async def create(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        listing: FromDishka[ListWebhookEndpoints],
        use_case: FromDishka[CreateWebhookEndpoint],
    ) -> Template | Redirect:
        who = await signed_in(request)
        if who is None:
            return to_sign_in()
        raw = await checked_form(request, who)
        url = str(raw.get("url") or "").strip()
        events = [v for v in raw.getall("events") if isinstance(v, str)] if "events" in raw else []
        description = str(raw.get("description") or "").strip() or None
        form = {"url": url, "events": events, "description": description or ""}
        try:
            made = await use_case.execute(
                who.workspace_id, url, events or [ALL_EVENTS], description
            )
        except Exception as exc:
            refusal = refused(exc)
            if refusal is None:
                raise
            return await self._list(
                settings, listing, who, error=refusal.message, form=form, status=refusal.status
            )
        return await self._list(
            settings,
            listing,
            who,
            notice="The endpoint is added. Copy its signing secret now: it is shown only once.",
            secret=made.secret,
        )

    @get("/{endpoint_id:str}")
    @inject
    async def endpoint(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        getter: FromDishka[GetWebhookEndpoint],
        deliveries: FromDishka[ListWebhookDeliveries],
        endpoint_id: FromPath[str],
        notice: FromQuery[str | None] = None,
    ) -> Template | Redirect:
        who = await signed_in(request)
        if who is None:
            return to_sign_in()
        wanted = parse_id(endpoint_id)
        found = await getter.execute(who.workspace_id, wanted)
        page = await deliveries.execute(ListDeliveriesQuery(who.workspace_id, wanted, limit=50))
        return render(
            settings,
            "webhook.html",
            {
                "title": "Webhook endpoint",
                "nav": "webhooks",
                "csrf": who.session.csrf,
                "endpoint": found,
                "deliveries": page.items,
                "notice": NOTICES.get(notice or ""),
                "local": lambda moment: local(moment, who.zone),
                "zone": who.zone,
            },
        )

    @post("/{endpoint_id:str}/test")
    @inject
    async def send_test(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[SendTestWebhook],
        endpoint_id: FromPath[str],
    ) -> Redirect:
        who = await signed_in(request)
        if who is None:
            return to_sign_in()
        await checked_form(request, who)
        wanted = parse_id(endpoint_id)
        await use_case.execute(who.workspace_id, wanted)
        return back_to(f"/webhooks/{wanted}", notice="test")

    @post("/{endpoint_id:str}/delete")
    @inject
    async def delete(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[DeleteWebhookEndpoint],
        endpoint_id: FromPath[str],
    ) -> Redirect:
        who = await signed_in(request)
        if who is None:
            return to_sign_in()
        await checked_form(request, who)
        await use_case.execute(who.workspace_id, parse_id(endpoint_id))
        return back_to("/webhooks", notice="deleted")
