"""The posts pages: the list with each target's status, link and error; the composer
(live per-platform counters from the server's own counting, a time in the browser's time
zone or the next slot, or a draft); cancel; a week calendar in the browser's time zone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec
from dishka import FromDishka
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from application.cancel_post import CancelPost
from application.create_post import CreatePost, CreatePostCommand
from application.list_integrations import ListIntegrations, ListIntegrationsQuery
from application.list_posts import ListPosts, ListPostsQuery
from application.post_scheduling import NEXT_SLOT, Schedule
from application.upload_media import UploadMedia, UploadMediaCommand
from domain.integration import Integration, IntegrationStatus
from domain.post import Post
from domain.text import (
    BLUESKY_MAX_BYTES,
    BLUESKY_MAX_GRAPHEMES,
    X_MAX_WEIGHTED,
    bluesky_graphemes,
    x_weighted_length,
)
from entrypoints.http.dashboard.web import (
    BASE,
    CSRF_HEADER,
    SignedIn,
    back_to,
    check_csrf,
    checked_form,
    json_answer,
    local,
    refused,
    render,
    signed_in,
    to_sign_in,
)
from entrypoints.http.inject import inject, inject_app
from entrypoints.http.params import parse_id
from entrypoints.settings import Settings

NOTICES = {
    "scheduled": "The post is scheduled.",
    "draft": "The draft is saved.",
    "canceled": "The post is canceled.",
}
# A composer's form with one picture (images are at most 20 MB by default).
MAX_FORM_BYTES = 21 * 1024 * 1024
MAX_COUNTED = 20_000  # characters the counter endpoint measures; more is over any limit anyway


class Counts(msgspec.Struct):
    twitter: int
    twitter_max: int
    bluesky: int
    bluesky_max: int
    bluesky_bytes: int
    bluesky_max_bytes: int


def count(text: str) -> Counts:
    """The server's own rules: X's weighted length (URLs 23, emoji 2, CJK 2) and Bluesky's
    grapheme clusters and UTF-8 bytes."""
    return Counts(
        twitter=x_weighted_length(text),
        twitter_max=X_MAX_WEIGHTED,
        bluesky=bluesky_graphemes(text),
        bluesky_max=BLUESKY_MAX_GRAPHEMES,
        bluesky_bytes=len(text.encode("utf-8", "surrogatepass")),
        bluesky_max_bytes=BLUESKY_MAX_BYTES,
    )


async def _integrations(listing: ListIntegrations, who: SignedIn) -> list[Integration]:
    page = await listing.execute(ListIntegrationsQuery(who.workspace_id, None, 200))
    return [i for i in page.items if i.status is not IntegrationStatus.DISCONNECTED]


async def _chunks(picked: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await picked.read(256 * 1024):
        yield chunk


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


class PostPages(Controller):
    path = f"{BASE}/posts"
    include_in_schema = False

    @get("/")
    @inject
    async def posts(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        listing: FromDishka[ListIntegrations],
        use_case: FromDishka[ListPosts],
        notice: FromQuery[str | None] = None,
    ) -> Template | Redirect:
        who = await signed_in(request)
        if who is None:
            return to_sign_in()
        return await self._page(
            settings, listing, use_case, who, NOTICES.get(notice or ""), None, {}
        )

    async def _page(
        self,
        settings: Settings,
        listing: ListIntegrations,
        use_case: ListPosts,
        who: SignedIn,
        notice: str | None,
        error: str | None,
        form: dict[str, Any],
        status: int = 200,
    ) -> Template:
        integrations = await _integrations(listing, who)
        page = await use_case.execute(ListPostsQuery(who.workspace_id, limit=50))
        names = {i.id: i for i in integrations}
        return render(
            settings,
            "posts.html",
            {
                "title": "Posts",
                "nav": "posts",
                "csrf": who.session.csrf,
                "integrations": integrations,
                "names": names,
                "posts": page.items,
                "notice": notice,
                "error": error,
                "form": form,
                "counts": count(str(form.get("content", ""))[:MAX_COUNTED]),
                "local": lambda moment: local(moment, who.zone),
                "zone": who.zone,
            },
            status=status,
        )

    @post("/", request_max_body_size=MAX_FORM_BYTES)
    @inject
    async def create(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        listing: FromDishka[ListIntegrations],
        posts: FromDishka[ListPosts],
        use_case: FromDishka[CreatePost],
        upload: FromDishka[UploadMedia],
    ) -> Template | Redirect:
        who = await signed_in(request)
        if who is None:
            return to_sign_in()
        raw = await checked_form(request, who)
        chosen = (
            [v for v in raw.getall("integrations") if isinstance(v, str)]
            if "integrations" in raw
            else []
        )
        content = str(raw.get("content") or "")
        when = str(raw.get("when") or "draft")
        at_text = str(raw.get("at") or "")
        form = {
            "content": content,
            "integrations": chosen,
            "when": when,
            "at": at_text,
            "alt_text": str(raw.get("alt_text") or ""),
        }

        async def again(message: str, status: int) -> Template:
            return await self._page(settings, listing, posts, who, None, message, form, status)

        if not chosen:
            return await again("Choose at least one account.", 422)
        schedule: Schedule = None
        if when == "next_slot":
            schedule = NEXT_SLOT
        elif when == "at":
            try:
                schedule = datetime.fromisoformat(at_text).replace(tzinfo=who.zone)
            except ValueError:
                return await again("Give the date and time to publish at.", 422)
        try:
            media = []
            picked = raw.get("media_file")
            if isinstance(picked, UploadFile) and picked.filename:
                alt_text = str(raw.get("alt_text") or "").strip() or None
                kept = await upload.execute(
                    UploadMediaCommand(who.workspace_id, _chunks(picked), alt_text=alt_text)
                )
                media.append(kept.id)
            await use_case.execute(
                CreatePostCommand(
                    workspace_id=who.workspace_id,
                    content=content,
                    integration_ids=chosen,
                    schedule_at=schedule,
                    media=media,
                )
            )
        except Exception as exc:
            refusal = refused(exc)
            if refusal is None:
                raise
            return await again(refusal.message, refusal.status)
        return back_to("/posts", notice="draft" if schedule is None else "scheduled")

    @post("/{post_id:str}/cancel")
    @inject
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        listing: FromDishka[ListIntegrations],
        posts: FromDishka[ListPosts],
        use_case: FromDishka[CancelPost],
        post_id: FromPath[str],
    ) -> Template | Redirect:
        who = await signed_in(request)
        if who is None:
            return to_sign_in()
        await checked_form(request, who)
        try:
            await use_case.execute(who.workspace_id, parse_id(post_id))
        except Exception as exc:
            refusal = refused(exc)
            if refusal is None:
                raise
            return await self._page(
                settings, listing, posts, who, None, refusal.message, {}, refusal.status
            )
        return back_to("/posts", notice="canceled")

    @post("/count")
    @inject_app
    async def counts(
        self, request: Request[Any, Any, Any], settings: FromDishka[Settings]
    ) -> Response[bytes] | Redirect:
        """The composer's live counters, measured by the same code that refuses a post."""
        who = await signed_in(request)
        if who is None:
            return to_sign_in()
        check_csrf(who, request.headers.get(CSRF_HEADER))
        text = (await request.body()).decode("utf-8", "replace")[:MAX_COUNTED]
        return json_answer(msgspec.json.encode(count(text)), settings)

    @get("/calendar")
    @inject
    async def calendar(
        self,
        request: Request[Any, Any, Any],
        settings: FromDishka[Settings],
        use_case: FromDishka[ListPosts],
        week: FromQuery[str | None] = None,
    ) -> Template | Redirect:
        who = await signed_in(request)
        if who is None:
            return to_sign_in()
        today = datetime.now(who.zone).date()
        try:
            start = _week_start(date.fromisoformat(week) if week else today)
        except ValueError:
            start = _week_start(today)
        days = [start + timedelta(days=n) for n in range(7)]
        begin = datetime.combine(start, time(), who.zone)
        end = datetime.combine(start + timedelta(days=7), time(), who.zone)
        page = await use_case.execute(ListPostsQuery(who.workspace_id, limit=200))
        by_day: dict[date, list[tuple[datetime, Post]]] = {d: [] for d in days}
        for item in page.items:
            moment = item.published_at or item.scheduled_at
            if moment is not None and begin <= moment < end:
                shown = moment.astimezone(who.zone)
                by_day[shown.date()].append((shown, item))
        for entries in by_day.values():
            entries.sort(key=lambda entry: entry[0])
        return render(
            settings,
            "calendar.html",
            {
                "title": "Calendar",
                "nav": "calendar",
                "csrf": who.session.csrf,
                "days": days,
                "by_day": by_day,
                "today": today,
                "previous": (start - timedelta(days=7)).isoformat(),
                "next": (start + timedelta(days=7)).isoformat(),
                "zone": who.zone,
            },
        )
