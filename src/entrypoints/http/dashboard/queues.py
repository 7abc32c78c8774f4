"""The queue editor of one integration: its weekly times in a time zone, blocked dates,
the gap and horizon, the next free slots; save or remove it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dishka import FromDishka
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from application.delete_queue import DeleteQueue
from application.errors import QueueNotSet
from application.get_integration import GetIntegration
from application.get_queue import GetQueue
from application.list_slots import ListSlots, ListSlotsQuery, UpcomingSlot
from application.ports.queues import StoredQueue
from application.set_queue import QueueSlotsInput, SetQueue, SetQueueCommand
from domain.queue import DAYS, DEFAULT_GAP_MINUTES, DEFAULT_HORIZON_DAYS
from entrypoints.http.dashboard.web import (
    BASE,
    SignedIn,
    back_to,
    checked_form,
    refused,
    render,
    signed_in,
    text_fields,
    to_sign_in,
)
from entrypoints.http.inject import inject
from entrypoints.http.params import parse_id
from entrypoints.settings import Settings

DAY_NAMES = dict(
    zip(
        DAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
NOTICES = {"saved": "The posting schedule is saved.", "removed": "The posting schedule is removed."}


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def form_of(stored: StoredQueue | None, zone: str) -> dict[str, str]:
    """The form's fields: one list of times per weekday (any queue can be written so)."""
    if stored is None:
        return {
            "timezone": zone,
            "blocked_dates": "",
            "min_gap_minutes": str(DEFAULT_GAP_MINUTES),
            "horizon_days": str(DEFAULT_HORIZON_DAYS),
            **{d: "" for d in DAYS},
        }
    queue = stored.queue
    times: dict[str, list[str]] = {d: [] for d in DAYS}
    for rule in queue.slots:
        for day in rule.days:
            times[day].extend(t.strftime("%H:%M") for t in rule.times)
    return {
        "timezone": queue.timezone,
        "blocked_dates": ", ".join(sorted(d.isoformat() for d in queue.blocked_dates)),
        "min_gap_minutes": str(queue.min_gap_minutes),
        "horizon_days": str(queue.horizon_days),
        **{d: ", ".join(sorted(set(times[d]))) for d in DAYS},
    }


@dataclass(frozen=True, slots=True)
class Reads:
    integrations: GetIntegration
    queues: GetQueue
    slots: ListSlots


class QueuePages(Controller):
    path = f"{BASE}/integrations/{{integration_id:str}}/queue"
    include_in_schema = False

    async def _page(
        self,
        reads: Reads,
        settings: Settings,
        who: SignedIn,
        integration_id: str,
        notice: str | None,
        error: str | None,
        form: dict[str, str] | None,
        status: int = 200,
    ) -> Template | Redirect:
        wanted = parse_id(integration_id)
        integration = await reads.integrations.execute(who.workspace_id, wanted)
        try:
            stored: StoredQueue | None = await reads.queues.execute(who.workspace_id, wanted)
        except QueueNotSet:
            stored = None
        slots: list[UpcomingSlot] = []
        if stored is not None:
            try:
                slots = await reads.slots.execute(ListSlotsQuery(who.workspace_id, wanted, 5))
            except Exception as exc:
                if refused(exc) is None:
                    raise
        return render(
            settings,
            "queue.html",
            {
                "title": f"Posting schedule of @{integration.username}",
                "nav": "integrations",
                "csrf": who.session.csrf,
                "integration": integration,
                "stored": stored,
                "form": form or form_of(stored, str(who.zone)),
                "days": DAY_NAMES,
                "slots": slots,
                "notice": notice,
                "error": error,
                "zone": who.zone,
            },
            status=status,
        )

    @get("/")
    @inject
    async def queue(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        integrations: FromDishka[GetIntegration],
        queues: FromDishka[GetQueue],
        slots: FromDishka[ListSlots],
        integration_id: FromPath[str],
        notice: FromQuery[str | None] = None,
    ) -> Template | Redirect:
        who = await signed_in(request)
        if who is None:
            return to_sign_in()
        reads = Reads(integrations, queues, slots)
        return await self._page(
            reads, settings, who, integration_id, NOTICES.get(notice or ""), None, None
        )

    @post("/")
    @inject
    async def save(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        use_case: FromDishka[SetQueue],
        remove: FromDishka[DeleteQueue],
        integrations: FromDishka[GetIntegration],
        queues: FromDishka[GetQueue],
        slots: FromDishka[ListSlots],
        integration_id: FromPath[str],
    ) -> Template | Redirect:
        who = await signed_in(request)
        if who is None:
            return to_sign_in()
        reads = Reads(integrations, queues, slots)
        form = text_fields(await checked_form(request, who))
        wanted = parse_id(integration_id)
        try:
            if form.get("action") == "remove":
                await remove.execute(who.workspace_id, wanted)
                return back_to(f"/integrations/{wanted}/queue", notice="removed")
            await use_case.execute(
                SetQueueCommand(
                    workspace_id=who.workspace_id,
                    integration_id=wanted,
                    timezone=form.get("timezone", "").strip(),
                    slots=[
                        QueueSlotsInput(days=[d], times=_split(form.get(d, "")))
                        for d in DAYS
                        if _split(form.get(d, ""))
                    ],
                    blocked_dates=_split(form.get("blocked_dates", "")),
                    min_gap_minutes=int(form.get("min_gap_minutes") or DEFAULT_GAP_MINUTES),
                    horizon_days=int(form.get("horizon_days") or DEFAULT_HORIZON_DAYS),
                )
            )
        except ValueError:
            return await self._page(
                reads,
                settings,
                who,
                integration_id,
                None,
                "The gap and the horizon are whole numbers.",
                form,
                422,
            )
        except Exception as exc:
            refusal = refused(exc)
            if refusal is None:
                raise
            return await self._page(
                reads, settings, who, integration_id, None, refusal.message, form, refusal.status
            )
        return back_to(f"/integrations/{wanted}/queue", notice="saved")
