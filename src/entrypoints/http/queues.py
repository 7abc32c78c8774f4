"""The /v1/integrations/{id}/queue and /slots routes: parse, call one use case, shape."""

from __future__ import annotations

from typing import Annotated, Any

from dishka import FromDishka
from litestar import Controller, Request, delete, get, put
from litestar.params import FromPath, JSONBody, QueryParameter

from application.delete_queue import DeleteQueue
from application.get_queue import GetQueue
from application.list_slots import DEFAULT_SLOT_COUNT, MAX_SLOT_COUNT, ListSlots, ListSlotsQuery
from application.set_queue import SetQueue, SetQueueCommand
from entrypoints.http.caller import caller
from entrypoints.http.inject import inject, inject_app
from entrypoints.http.openapi import API_KEY, errors
from entrypoints.http.params import parse_id
from entrypoints.http.queue_schemas import (
    Queue,
    QueueIn,
    SlotPreviewList,
    queue_out,
    slots_out,
)

Count = Annotated[
    int,
    QueryParameter(ge=1, le=MAX_SLOT_COUNT, description=f"How many slots, 1-{MAX_SLOT_COUNT}."),
]


class QueueController(Controller):
    """The writes open a request scope (`inject`); the reads use process-wide use cases
    that open their own read-only unit of work (`inject_app`)."""

    path = "/v1/integrations/{integration_id:str}"
    security = API_KEY
    tags = ["Queues"]

    @put(
        "/queue",
        operation_id="setQueue",
        responses=errors(400, 404, 413, 422),
        summary="Set an integration's queue",
    )
    @inject
    async def set_queue(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[SetQueue],
        integration_id: FromPath[str],
        data: JSONBody[QueueIn],
    ) -> Queue:
        """Posting times by weekday in a time zone, blocked local dates, a minimum gap
        between posts and a horizon. Replaces any queue the integration had."""
        command = SetQueueCommand(
            workspace_id=caller(request).workspace_id,
            integration_id=parse_id(integration_id),
            timezone=data.timezone,
            slots=data.slot_inputs(),
            blocked_dates=data.blocked_dates,
            min_gap_minutes=data.min_gap_minutes,
            horizon_days=data.horizon_days,
        )
        return queue_out(await use_case.execute(command))

    @get("/queue", operation_id="getQueue", responses=errors(404), summary="Get a queue")
    @inject_app
    async def get_queue(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[GetQueue],
        integration_id: FromPath[str],
    ) -> Queue:
        """404 `queue_not_set` when the integration has none (section 3's rule applies)."""
        return queue_out(
            await use_case.execute(caller(request).workspace_id, parse_id(integration_id))
        )

    @delete(
        "/queue",
        operation_id="deleteQueue",
        status_code=200,
        responses=errors(404),
        summary="Remove a queue",
    )
    @inject
    async def delete_queue(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[DeleteQueue],
        integration_id: FromPath[str],
    ) -> Queue:
        """Back to section 3's rule; answers the queue as it was."""
        return queue_out(
            await use_case.execute(caller(request).workspace_id, parse_id(integration_id))
        )

    @get(
        "/slots",
        operation_id="listSlots",
        responses=errors(404, 409, 422),
        summary="Preview the next free slots",
    )
    @inject_app
    async def list_slots(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[ListSlots],
        integration_id: FromPath[str],
        count: Count = DEFAULT_SLOT_COUNT,
    ) -> SlotPreviewList:
        """The next free slots by the queue (or section 3's rule), earliest first. A
        preview: nothing is reserved."""
        query = ListSlotsQuery(caller(request).workspace_id, parse_id(integration_id), count)
        return slots_out(await use_case.execute(query))
