"""Where the browser lands after X's consent screen, and the simulated consent screen of
test workspaces. No API key (the browser carries none) and HTML answers, not JSON: a
person reads them. Every answer is uncacheable, sends no referrer (the URL holds a code)
and cannot be framed.
"""

from __future__ import annotations

import html
import logging
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from dishka import FromDishka
from litestar import Controller, MediaType, Request, Response, get
from litestar.datastructures import Cookie
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromQuery, QueryParameter

from application.complete_twitter_connect import CompleteTwitterConnect, TwitterCallback
from application.connect_errors import ConnectRefused
from application.errors import DatabaseUnavailable, PlatformNotConfigured, PlatformUnavailable
from application.ports.platforms import PlatformError, PlatformRateLimited
from application.ports.twitter import AuthorizationCodeRejected
from application.simulate_twitter_authorize import SimulateTwitterAuthorize
from entrypoints.http.dashboard.integrations import RETURN_COOKIE, RETURN_COOKIE_PATH
from entrypoints.http.inject import inject
from entrypoints.http.openapi import ADDRESS_LIMITED
from entrypoints.settings import Settings

log = logging.getLogger("openpost.http")

# The page loads nothing, submits nothing and cannot be framed (clickjacking).
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}
# `state` is a name Litestar reserves for the app state; the query parameter keeps it.
StateParam = Annotated[str | None, QueryParameter(name="state", description="Our OAuth state")]
# Where a connect started from the dashboard returns when CONNECT_SUCCESS_URL is not set.
DASHBOARD_RETURN = "/dashboard/integrations"
CODE_REFUSED = (
    "X refused the authorization code (it works once, for 30 seconds). "
    "Start connecting the account again from your application."
)


def _spec(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=str,
        media_type=MediaType.HTML,
        description=description,
        generate_examples=False,
    )


CALLBACK_RESPONSES = {
    **ADDRESS_LIMITED,
    303: _spec("Connected; redirect to CONNECT_SUCCESS_URL with integration_id appended"),
    400: _spec("Unknown, expired or reused state; access denied; permissions not granted"),
    502: _spec("X failed or did not answer at the code exchange"),
    503: _spec("X is not configured on this server, or the database is unavailable"),
}


class TwitterCallbackController(Controller):
    path = "/api/platforms/twitter"
    tags = ["Connect"]

    @get(
        "/callback",
        media_type=MediaType.HTML,
        responses=CALLBACK_RESPONSES,
        summary="X OAuth callback (browser)",
        operation_id="completeTwitterConnect",
    )
    @inject
    async def callback(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[CompleteTwitterConnect],
        settings: FromDishka[Settings],
        oauth_state: StateParam = None,
        code: FromQuery[str | None] = None,
        error: FromQuery[str | None] = None,
    ) -> Response[str]:
        """Finishes connecting an X account: redirects to CONNECT_SUCCESS_URL with
        `integration_id` when that is configured, else back to the dashboard when the
        connect was started there, else names the account on a page."""
        try:
            done = await use_case.execute(
                TwitterCallback(state=oauth_state, code=code, error=error)
            )
        except ConnectRefused as refused:
            return page(400, "The account was not connected", str(refused))
        except AuthorizationCodeRejected:
            return page(400, "The account was not connected", CODE_REFUSED)
        except PlatformRateLimited:
            return page(502, "X is busy", "X is rate limiting this server. Try again shortly.")
        except PlatformError as failure:
            log.warning("X failed at the code exchange: %s", failure)
            return page(502, "X did not answer", "X failed or did not answer. Try again.")
        except (PlatformNotConfigured, PlatformUnavailable):
            return page(503, "X is not configured", "This server has no X app configured.")
        except DatabaseUnavailable:
            return page(503, "Unavailable", "The service is unavailable. Try again shortly.")
        integration = done.integration
        success_url = settings.connect_success_url
        from_dashboard = request.cookies.get(RETURN_COOKIE) is not None
        if not success_url and from_dashboard:
            success_url = DASHBOARD_RETURN
        if success_url:
            location = append_query(success_url, {"integration_id": str(integration.id)})
            spent = [Cookie(key=RETURN_COOKIE, value="", path=RETURN_COOKIE_PATH, max_age=0)]
            return Response(
                "",
                status_code=303,
                headers={**HEADERS, "Location": location},
                cookies=spent if from_dashboard else [],
            )
        account = f"@{integration.username}"
        if integration.display_name and integration.display_name != integration.username:
            account += f" ({integration.display_name})"
        verb = "reconnected" if done.reactivated else "connected"
        return page(200, "Account connected", f"The X account {account} is {verb}.", ok=True)

    @get(
        "/simulated-authorize",
        media_type=MediaType.HTML,
        responses={
            **ADDRESS_LIMITED,
            400: _spec("Unknown or expired state, or not a test workspace's"),
        },
        summary="Simulated X consent (test workspaces)",
        operation_id="simulateTwitterConsent",
        status_code=302,
    )
    @inject
    async def simulated_authorize(
        self,
        use_case: FromDishka[SimulateTwitterAuthorize],
        oauth_state: StateParam = None,
        code_challenge: FromQuery[str | None] = None,
    ) -> Response[str]:
        """Approves at once and redirects to the callback with a code, as X would."""
        try:
            location = await use_case.execute(oauth_state, code_challenge)
        except ConnectRefused as refused:
            return page(400, "Cannot authorize", str(refused))
        return Response("", status_code=302, headers={**HEADERS, "Location": location})


def page(status: int, title: str, text: str, *, ok: bool = False) -> Response[str]:
    """A small self-contained page; every interpolated value is escaped."""
    closing = "<p>You can close this window.</p>" if ok else ""
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} - OpenPost</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;"
        "padding:0 1rem;line-height:1.5}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>{closing}</body></html>"
    )
    return Response(body, status_code=status, media_type=MediaType.HTML, headers=HEADERS)


def append_query(url: str, params: dict[str, str]) -> str:
    """`url` with `params` added after its own query, which is kept byte for byte."""
    parts = urlsplit(url)
    extra = urlencode(params)
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))
