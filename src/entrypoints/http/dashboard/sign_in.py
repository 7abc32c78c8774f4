"""Signing in with an API key, and out."""

from __future__ import annotations

from typing import Any

from dishka import FromDishka
from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from application.authenticate import AuthenticateApiKey
from entrypoints.http.dashboard.session import (
    COOKIE_PATH,
    LOGIN_COOKIE,
    Session,
    SessionSealer,
    new_token,
)
from entrypoints.http.dashboard.web import (
    BASE,
    CSRF_FIELD,
    CSRF_REFUSED,
    back_to,
    checked_form,
    cleared_session_cookie,
    is_https,
    render,
    session_cookie,
    signed_in,
    to_sign_in,
)
from entrypoints.http.inject import inject_app
from entrypoints.refusals import ApiError
from entrypoints.settings import Settings


def _login_cookie(token: str, secure: bool) -> Cookie:
    return Cookie(
        key=LOGIN_COOKIE,
        value=token,
        path=f"{COOKIE_PATH}/sign-in",
        httponly=True,
        samesite="strict",
        secure=secure,
    )


class SignInController(Controller):
    path = BASE
    include_in_schema = False

    @get("/")
    async def home(self, request: Request[Any, Any, Any]) -> Redirect:
        return back_to("/integrations") if await signed_in(request) else to_sign_in()

    @get("/sign-in")
    @inject_app
    async def sign_in_page(
        self, request: Request[Any, Any, Any], settings: FromDishka[Settings]
    ) -> Template | Redirect:
        if await signed_in(request):
            return back_to("/integrations")
        return self._form(request, settings, None, 200)

    @staticmethod
    def _form(
        request: Request[Any, Any, Any], settings: Settings, error: str | None, status: int
    ) -> Template:
        """The form, with a fresh CSRF token in a cookie of its own (double submit: a page
        of another site can neither read the cookie nor set the field)."""
        token = new_token()
        return render(
            settings,
            "sign_in.html",
            {"csrf": token, "error": error, "title": "Sign in"},
            status=status,
            cookies=[_login_cookie(token, is_https(request, settings))],
        )

    @post("/sign-in")
    @inject_app
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        authenticate: FromDishka[AuthenticateApiKey],
        sealer: FromDishka[SessionSealer],
    ) -> Template | Redirect:
        form = await request.form()
        expected = request.cookies.get(LOGIN_COOKIE)
        given = form.get(CSRF_FIELD)
        if not expected or not Session("", expected).csrf_matches(
            given if isinstance(given, str) else None
        ):
            raise ApiError(CSRF_REFUSED)
        key = str(form.get("api_key") or "").strip()
        principal = await authenticate.execute(key) if key else None
        if principal is None:
            return self._form(request, settings, "That API key is unknown or revoked.", 401)
        secure = is_https(request, settings)
        cookie = session_cookie(sealer.seal(Session(api_key=key, csrf=new_token())), secure)
        spent = Cookie(key=LOGIN_COOKIE, value="", path=f"{COOKIE_PATH}/sign-in", max_age=0)
        return back_to("/integrations", cookies=[cookie, spent])

    @post("/sign-out")
    @inject_app
    async def sign_out(
        self, request: Request[Any, Any, Any], settings: FromDishka[Settings]
    ) -> Redirect:
        who = await signed_in(request)
        if who is not None:
            await checked_form(request, who)
        return to_sign_in(cookies=[cleared_session_cookie(is_https(request, settings))])
