"""The /v1/webhook_endpoints routes: parse, call one use case, shape the answer."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from dishka import FromDishka
from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from application.webhooks.create_endpoint import CreateWebhookEndpoint
from application.webhooks.delete_endpoint import DeleteWebhookEndpoint
from application.webhooks.get_endpoint import GetWebhookEndpoint
from application.webhooks.list_deliveries import ListDeliveriesQuery, ListWebhookDeliveries
from application.webhooks.list_endpoints import ListWebhookEndpoints
from application.webhooks.retry_delivery import RetryWebhookDelivery
from application.webhooks.rotate_secret import RotateWebhookSecret
from application.webhooks.send_test import SendTestWebhook
from application.webhooks.update_endpoint import EndpointChanges, UpdateWebhookEndpoint
from domain.webhooks.delivery import DeliveryStatus
from entrypoints.http.caller import caller
from entrypoints.http.inject import inject
from entrypoints.http.openapi import API_KEY, errors
from entrypoints.http.params import parse_cursor, parse_id
from entrypoints.http.webhook_schemas import (
    NewWebhookEndpoint,
    QueuedEvent,
    WebhookDelivery,
    WebhookDeliveryList,
    WebhookEndpoint,
    WebhookEndpointChanges,
    WebhookEndpointList,
    WebhookEndpointWithSecret,
    delivery_out,
    endpoint_out,
    endpoint_with_secret_out,
)

Limit = Annotated[int, QueryParameter(ge=1, le=200, description="Page size, 1-200.")]
Req = Request[Any, Any, Any]


class WebhookEndpointController(Controller):
    path = "/v1/webhook_endpoints"
    security = API_KEY
    tags = ["Webhooks"]

    @post(
        "/",
        status_code=201,
        responses=errors(400, 413, 422),
        summary="Create an endpoint",
        operation_id="createWebhookEndpoint",
    )
    @inject
    async def create_webhook_endpoint(
        self,
        request: Req,
        use_case: FromDishka[CreateWebhookEndpoint],
        data: JSONBody[NewWebhookEndpoint],
    ) -> WebhookEndpointWithSecret:
        """The answer carries the signing `secret`, shown this once."""
        made = await use_case.execute(
            caller(request).workspace_id, data.url, data.events, data.description
        )
        return endpoint_with_secret_out(made)

    @get("/", responses=errors(422), summary="List endpoints", operation_id="listWebhookEndpoints")
    @inject
    async def list_webhook_endpoints(
        self,
        request: Req,
        use_case: FromDishka[ListWebhookEndpoints],
        limit: Limit = 20,
        starting_after: FromQuery[str | None] = None,
    ) -> WebhookEndpointList:
        page = await use_case.execute(
            caller(request).workspace_id, limit, parse_cursor(starting_after)
        )
        return WebhookEndpointList([endpoint_out(e) for e in page.items], page.has_more)

    @get(
        "/{endpoint_id:str}",
        responses=errors(404),
        summary="Get an endpoint",
        operation_id="getWebhookEndpoint",
    )
    @inject
    async def get_webhook_endpoint(
        self, request: Req, use_case: FromDishka[GetWebhookEndpoint], endpoint_id: FromPath[str]
    ) -> WebhookEndpoint:
        found = await use_case.execute(caller(request).workspace_id, parse_id(endpoint_id))
        return endpoint_out(found)

    @patch(
        "/{endpoint_id:str}",
        responses=errors(400, 404, 413, 422),
        summary="Edit an endpoint",
        operation_id="updateWebhookEndpoint",
    )
    @inject
    async def update_webhook_endpoint(
        self,
        request: Req,
        use_case: FromDishka[UpdateWebhookEndpoint],
        endpoint_id: FromPath[str],
        data: JSONBody[WebhookEndpointChanges],
    ) -> WebhookEndpoint:
        """`url`, `events`, `description`, `enabled`; enabling clears `disabled_reason`."""
        changes = EndpointChanges(
            url=None if data.url is msgspec.UNSET else data.url,
            events=None if data.events is msgspec.UNSET else tuple(data.events),
            description=data.description if isinstance(data.description, str) else None,
            clear_description=data.description is None,
            enabled=None if data.enabled is msgspec.UNSET else data.enabled,
        )
        updated = await use_case.execute(
            caller(request).workspace_id, parse_id(endpoint_id), changes
        )
        return endpoint_out(updated)

    @delete(
        "/{endpoint_id:str}",
        status_code=200,
        responses=errors(404),
        summary="Delete an endpoint",
        operation_id="deleteWebhookEndpoint",
    )
    @inject
    async def delete_webhook_endpoint(
        self, request: Req, use_case: FromDishka[DeleteWebhookEndpoint], endpoint_id: FromPath[str]
    ) -> WebhookEndpoint:
        """Nothing more is sent to it; its pending deliveries are dropped."""
        gone = await use_case.execute(caller(request).workspace_id, parse_id(endpoint_id))
        return endpoint_out(gone)

    @post(
        "/{endpoint_id:str}/rotate_secret",
        status_code=200,
        responses=errors(404),
        summary="Rotate an endpoint's secret",
        operation_id="rotateWebhookEndpointSecret",
    )
    @inject
    async def rotate_webhook_endpoint_secret(
        self, request: Req, use_case: FromDishka[RotateWebhookSecret], endpoint_id: FromPath[str]
    ) -> WebhookEndpointWithSecret:
        """A new `secret`, shown this once; the old one keeps signing beside it for 24 h."""
        rotated = await use_case.execute(caller(request).workspace_id, parse_id(endpoint_id))
        return endpoint_with_secret_out(rotated)

    @post(
        "/{endpoint_id:str}/test",
        status_code=202,
        responses=errors(404, 409),
        summary="Send a test event",
        operation_id="sendTestWebhook",
    )
    @inject
    async def send_test_webhook(
        self, request: Req, use_case: FromDishka[SendTestWebhook], endpoint_id: FromPath[str]
    ) -> QueuedEvent:
        """Queues `webhook.test` (`data: {}`) for this endpoint alone."""
        queued = await use_case.execute(caller(request).workspace_id, parse_id(endpoint_id))
        return QueuedEvent(queued.event_id)

    @get(
        "/{endpoint_id:str}/deliveries",
        responses=errors(404, 422),
        summary="List an endpoint's deliveries",
        operation_id="listWebhookDeliveries",
    )
    @inject
    async def list_webhook_deliveries(
        self,
        request: Req,
        use_case: FromDishka[ListWebhookDeliveries],
        endpoint_id: FromPath[str],
        status: FromQuery[DeliveryStatus | None] = None,
        limit: Limit = 20,
        starting_after: FromQuery[str | None] = None,
    ) -> WebhookDeliveryList:
        """Newest first; `status` is pending, succeeded or failed."""
        query = ListDeliveriesQuery(
            caller(request).workspace_id,
            parse_id(endpoint_id),
            status,
            limit,
            parse_cursor(starting_after),
        )
        page = await use_case.execute(query)
        return WebhookDeliveryList([delivery_out(d) for d in page.items], page.has_more)

    @post(
        "/{endpoint_id:str}/deliveries/{delivery_id:str}/retry",
        status_code=202,
        responses=errors(404, 409),
        summary="Retry a delivery",
        operation_id="retryWebhookDelivery",
    )
    @inject
    async def retry_webhook_delivery(
        self,
        request: Req,
        use_case: FromDishka[RetryWebhookDelivery],
        endpoint_id: FromPath[str],
        delivery_id: FromPath[str],
    ) -> WebhookDelivery:
        """Due now; a failed delivery gets one more attempt. A succeeded one: 409."""
        retried = await use_case.execute(
            caller(request).workspace_id, parse_id(endpoint_id), parse_id(delivery_id)
        )
        return delivery_out(retried)
