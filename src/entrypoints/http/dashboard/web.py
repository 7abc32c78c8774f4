"""What every dashboard page shares: who is signed in, the CSRF check, the browser's time
zone, the page headers, and answers (a page, a redirect, a form's refusal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from litestar import Request, Response
from litestar.datastructures import Cookie, FormMultiDict
from litestar.response import Redirect, Template

from application.authenticate import AuthenticateApiKey
from application.ports.api_keys import Principal
from entrypoints.http.dashboard.assets import version
from entrypoints.http.dashboard.session import (
    COOKIE,
    COOKIE_PATH,
    Session,
    SessionSealer,
)
from entrypoints.http.envelope import Refusal
from entrypoints.http.inject import APP_SCOPED
from entrypoints.refusals import ApiError
from entrypoints.settings import Settings

BASE = "/dashboard"
TZ_COOKIE = "openpost_tz"  # the browser's IANA time zone, set by our script
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
CSRF_REFUSED = Refusal(
    403, "csrf_failed", "The form's security token is missing or wrong: reload the page."
)


def page_headers(settings: Settings) -> dict[str, str]:
    """Scripts, styles and images from this origin only; forms post here, or to X's consent
    screen (the Connect X form is answered with a redirect there); no framing, no
    referrer beyond this origin, nothing cached."""
    actions = ["'self'"]
    authorize = urlsplit(settings.twitter_authorize_url)
    if authorize.scheme and authorize.netloc:
        actions.append(f"{authorize.scheme}://{authorize.netloc}")
    policy = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'; form-action {' '.join(actions)}; frame-ancestors 'none'; "
        "base-uri 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


@dataclass(frozen=True, slots=True)
class SignedIn:
    principal: Principal
    session: Session
    zone: tzinfo

    @property
    def workspace_id(self) -> Any:
        return self.principal.workspace_id


async def service(request: Request[Any, Any, Any], kind: type[Any]) -> Any:
    return await request.app.state[APP_SCOPED].get(kind)


async def signed_in(request: Request[Any, Any, Any]) -> SignedIn | None:
    """The person's session, if its cookie opens and its key is still valid (checked by
    the API's own authentication, so a revoked key ends the session within 5 s)."""
    sealer: SessionSealer = await service(request, SessionSealer)
    session = sealer.open(request.cookies.get(COOKIE))
    if session is None:
        return None
    authenticate: AuthenticateApiKey = await service(request, AuthenticateApiKey)
    principal = await authenticate.execute(session.api_key)
    if principal is None:
        return None
    return SignedIn(principal, session, browser_zone(request))


def browser_zone(request: Request[Any, Any, Any]) -> tzinfo:
    name = request.cookies.get(TZ_COOKIE, "")
    if not name or len(name) > 64 or ".." in name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def check_csrf(who: SignedIn, given: str | None) -> None:
    if not who.session.csrf_matches(given):
        raise ApiError(CSRF_REFUSED)


async def checked_form(request: Request[Any, Any, Any], who: SignedIn) -> FormMultiDict:
    """The posted form, once its CSRF token is the session's (403 `csrf_failed` if not)."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    check_csrf(who, given if isinstance(given, str) else None)
    return form


def text_fields(form: FormMultiDict) -> dict[str, str]:
    """The form's text fields (the last value of each), files left out."""
    return {k: v for k, v in form.items() if isinstance(v, str)}


def is_https(request: Request[Any, Any, Any], settings: Settings) -> bool:
    if settings.public_url_set:
        return settings.public_url.startswith("https://")
    return request.url.scheme == "https"


def session_cookie(value: str, secure: bool) -> Cookie:
    return Cookie(
        key=COOKIE,
        value=value,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def cleared_session_cookie(secure: bool) -> Cookie:
    return Cookie(
        key=COOKIE,
        value="",
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=secure,
        max_age=0,
        expires=0,
    )


def to_sign_in(cookies: list[Cookie] | None = None) -> Redirect:
    return Redirect(f"{BASE}/sign-in", status_code=303, cookies=cookies or [])


def back_to(path: str, cookies: list[Cookie] | None = None, **query: str) -> Redirect:
    target = f"{BASE}{path}"
    if query:
        target += "?" + urlencode(query)
    return Redirect(target, status_code=303, cookies=cookies or [])


def render(
    settings: Settings,
    name: str,
    context: dict[str, Any],
    status: int = 200,
    cookies: list[Cookie] | None = None,
) -> Template:
    return Template(
        template_name=name,
        context={"base": BASE, "csrf_field": CSRF_FIELD, "assets": version(), **context},
        status_code=status,
        headers=page_headers(settings),
        cookies=cookies or [],
        media_type="text/html",
    )


def local(moment: datetime | None, zone: tzinfo) -> datetime | None:
    return None if moment is None else moment.astimezone(zone)


def refused(exc: Exception) -> Refusal | None:
    from entrypoints.http.errors import refusal_for

    refusal = refusal_for(exc)
    return None if refusal.status >= 500 and refusal.code == "internal_error" else refusal


def json_answer(body: bytes, settings: Settings) -> Response[bytes]:
    return Response(
        body, status_code=200, media_type="application/json", headers=page_headers(settings)
    )
