"""(g) Publishing posts with an image each: one `openpost worker` (SQLite) publishes due
targets through the app's own X gateway to the in-repo fake X (`python -m tests.fakes.fake_x`)
answering every call after 50 ms. Each post costs five calls: initialize, append,
finalize, alt text, then the post. Goal: at least 100 posts/s for the worker, from the
insert of the due posts to the last one published. Every run checks that each post
reached X exactly once, with its image whole.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import secrets
import sys
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from PIL import Image
from sqlalchemy import insert
from tests.fakes.x import DEFAULT_CLIENT

from adapters.ids import Uuid7Generator
from adapters.persistence.sqlalchemy.post_mappers import post_to_row, target_to_row
from adapters.persistence.sqlalchemy.tables import post_targets, posts
from application.ports.media_store import MediaStore
from application.ports.unit_of_work import UnitOfWork
from application.start_connect import TWITTER_SCOPES, code_challenge
from bench.publish_support import Accounts, Worker, seed_accounts, settle
from bench.support import Context, Goal, Section, Server, database, free_port, openpost_argv, table
from domain.media import Media, MediaFacts, MediaKind, media_storage_key
from domain.platform import Platform
from domain.post import Post, TargetSpec
from entrypoints.composition import build_container
from entrypoints.settings import load_settings

NAME = "publish_media"
TITLE = "Publishing posts with an image each to the fake X answering in 50 ms"
LATENCY_MS = 50
GOAL = 100.0
REDIRECT = "http://127.0.0.1:9/callback"
ROOT = Path(__file__).resolve().parent.parent


async def x_tokens(base_url: str, user_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Tokens the fake X issued to each user, through its own OAuth flow."""
    tokens = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        for user_id in user_ids:
            await http.post("/_fake/users", json={"id": user_id, "username": f"bench_{user_id}"})
            await http.post("/_fake/browser-user", json={"user_id": user_id})
            verifier = secrets.token_urlsafe(48)
            params = {
                "response_type": "code",
                "client_id": DEFAULT_CLIENT.client_id,
                "redirect_uri": REDIRECT,
                "scope": " ".join(TWITTER_SCOPES),
                "state": "bench",
                "code_challenge": code_challenge(verifier),
                "code_challenge_method": "S256",
            }
            consent = await http.get("/i/oauth2/authorize", params=params)
            code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
            form = {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
            }
            auth = (DEFAULT_CLIENT.client_id, DEFAULT_CLIENT.secret or "")
            answer = await http.post("/2/oauth2/token", data=form, auth=auth)
            answer.raise_for_status()
            tokens[user_id] = answer.json()
    return tokens


def image(n: int) -> bytes:
    """A small PNG of its own colour, as a cleaned upload would leave it."""
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (n % 256, (n * 7) % 256, (n * 13) % 256)).save(out, "PNG")
    return out.getvalue()


async def seed_posts(
    env: dict[str, str], accounts: Accounts, count: int, label: str
) -> tuple[dict[str, str], float]:
    """`count` due posts, each with its own image in the media store; returns text ->
    sha256, and when the posts' insert committed (they are due at once)."""
    container = build_container(load_settings(env, dotenv=None))
    ids, now = Uuid7Generator(), datetime.now(UTC)
    expected, post_rows, target_rows, media_rows = {}, [], [], []
    try:
        store = await container.get(MediaStore)
        for n in range(count):
            content = image(n)
            media_id = ids.new_id()
            key = media_storage_key(accounts.workspace_id, media_id)

            async def chunks(content: bytes = content) -> Any:
                yield content

            stored = await store.write(key, chunks())
            media = Media.create(
                id=media_id,
                workspace_id=accounts.workspace_id,
                facts=MediaFacts(MediaKind.IMAGE, "image/png", 320, 240),
                stored=stored,
                alt_text=f"colour {n}",
                now=now,
            )
            media_rows.append(media)
            text = f"{label} #{n:05d}"
            integration_id = accounts.integration_ids[n % len(accounts.integration_ids)]
            post = Post.create(
                id=ids.new_id(),
                workspace_id=accounts.workspace_id,
                content=text,
                targets=[TargetSpec(ids.new_id(), integration_id, Platform.TWITTER)],
                now=now - timedelta(minutes=2),
                scheduled_at=now,
                media=[media],
            )
            post_rows.append(post_to_row(post))
            target_rows += [target_to_row(post, t) for t in post.targets]
            expected[text] = stored.sha256
        async with container() as scope:
            uow = await scope.get(UnitOfWork)
            async with uow:
                for media in media_rows:
                    await uow.media.add(media)
                await uow.commit()
    finally:
        await container.close()
    async with accounts.engine.begin() as conn:
        await conn.execute(insert(posts), post_rows)
        await conn.execute(insert(post_targets), target_rows)
    return expected, time.perf_counter()


def check(state: dict[str, Any], expected: dict[str, str], fake_uploads: dict[str, str]) -> int:
    """Posts of the run that did not reach X exactly once with their image whole."""
    tweets = [t for t in state["tweets"] if t["text"] in expected]
    seen: dict[str, int] = {}
    wrong = 0
    for tweet in tweets:
        seen[tweet["text"]] = seen.get(tweet["text"], 0) + 1
        [media_id] = tweet["media_ids"]
        wrong += fake_uploads.get(media_id) != expected[tweet["text"]]
    return wrong + sum(1 for text in expected if seen.get(text) != 1)


async def run(ctx: Context) -> Section:
    count = 200
    label = "media"
    async with AsyncExitStack() as stack, database("sqlite", ctx.workdir) as db:
        home = db.home
        port = free_port()
        fake = Server(
            [
                sys.executable,
                "-m",
                "tests.fakes.fake_x",
                "--port",
                str(port),
                "--latency-ms",
                str(LATENCY_MS),
                "--client-id",
                DEFAULT_CLIENT.client_id,
                "--client-secret",
                DEFAULT_CLIENT.secret or "",
                "--redirect-uri",
                REDIRECT,
                "--rate-limit",
                "create_tweet=100000/900",
            ],
            env={**db.env, "PYTHONPATH": str(ROOT)},
            cwd=home / "fake-x",
            pin=dataclasses.replace(ctx.pin, server=ctx.pin.load),
            port=port,
            ready_path="/_fake/state",
        )
        stack.enter_context(fake)
        accounts = await seed_accounts(db, stack)
        users = [str(1_500_000_000 + i) for i in range(len(accounts.integration_ids))]
        tokens = await x_tokens(fake.base_url, users)
        await _store_tokens(db, accounts, users, tokens)
        env = {
            **db.env,
            "OPENPOST_TWITTER_CLIENT_ID": DEFAULT_CLIENT.client_id,
            "OPENPOST_TWITTER_CLIENT_SECRET": DEFAULT_CLIENT.secret or "",
            "OPENPOST_TWITTER_API_URL": fake.base_url,
            "OPENPOST_MEDIA_DIR": str(home / "media"),
        }
        worker = Worker("worker", env, home, ctx.pin.server)
        stack.callback(worker.stop)
        await worker.start(openpost_argv("worker"))
        settings = {k: v for k, v in env.items() if k.startswith("OPENPOST_")}
        cpu_before = worker.cpu_s(), _cpu_s(fake)
        assert worker.process is not None and fake.process is not None
        waits_before = _waited_s(worker.process.pid), _waited_s(fake.process.pid)
        expected, started = await seed_posts(settings, accounts, count, label)
        settled = await settle(db, label, 120.0)
        elapsed = time.perf_counter() - started
        worker_cpu, fake_cpu = worker.cpu_s() - cpu_before[0], _cpu_s(fake) - cpu_before[1]
        worker_wait = _waited_s(worker.process.pid) - waits_before[0]
        fake_wait = _waited_s(fake.process.pid) - waits_before[1]
        async with httpx.AsyncClient(timeout=10) as http:
            state = (await http.get(fake.base_url + "/_fake/state")).json()
        uploads = {m["id"]: m["sha256"] for m in state["media"]}
        wrong = check(state, expected, uploads) if settled else count
        problems = worker.problems()
    rate = count / elapsed
    rows: list[list[object]] = [
        ["posts (one 320x240 PNG each)", count],
        ["calls to X per post", "initialize, append, finalize, alt text, post"],
        ["seconds, insert of the due posts to the last published", f"{elapsed:.2f}"],
        ["posts/s", f"{rate:.0f}"],
        ["posts not on X exactly once with their image", wrong],
        ["worker CPU per post", f"{worker_cpu / count * 1000:.1f} ms"],
        ["fake X CPU per post (5 requests)", f"{fake_cpu / count * 1000:.1f} ms"],
        [
            "posts/s the busier of the two allows on a CPU of its own",
            f"{count / max(worker_cpu, fake_cpu, 1e-9):.0f}",
        ],
        [
            "seconds waiting for a CPU (runnable, others ran): worker / fake X",
            f"{worker_wait:.2f} / {fake_wait:.2f}",
        ],
        ["warnings or errors in the worker's log", problems],
    ]
    goals = [Goal("posts/s, one worker, images to X at 50 ms a call", f">= {GOAL:.0f}",
                  f"{rate:.0f}", rate >= GOAL and wrong == 0)]  # fmt: skip
    return Section(TITLE, table(["what", "measured"], rows), goals)


def _waited_s(pid: int) -> float:
    """Seconds the process was runnable but not running: on the shared machine, the part
    of the wall time the others took."""
    with open(f"/proc/{pid}/schedstat") as stat:
        return int(stat.read().split()[1]) / 1e9


def _cpu_s(server: Server) -> float:
    assert server.process is not None
    with open(f"/proc/{server.process.pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _store_tokens(
    db: Any, accounts: Accounts, users: list[str], tokens: dict[str, dict[str, Any]]
) -> None:
    """The seeded integrations get the fake X's real tokens (and its user ids)."""
    from application.ports.credentials import Credentials

    container = build_container(load_settings(db.settings_env(), dotenv=None))
    try:
        async with container() as scope:
            uow = await scope.get(UnitOfWork)
            async with uow:
                for integration_id, user_id in zip(accounts.integration_ids, users, strict=True):
                    token = tokens[user_id]
                    credentials = Credentials(
                        access_token=token["access_token"],
                        refresh_token=token.get("refresh_token"),
                        expires_at=datetime.now(UTC) + timedelta(seconds=7000),
                        scopes=tuple(token["scope"].split()),
                        extra={"user_id": user_id, "username": f"bench_{user_id}"},
                    )
                    await uow.credentials.put(integration_id, credentials)
                await uow.commit()
    finally:
        await container.close()


if __name__ == "__main__":
    from bench.support import pinning

    async def _main() -> None:
        workdir = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/openpost-bench-media")
        workdir.mkdir(parents=True, exist_ok=True)
        ctx = Context(quick=True, workdir=workdir, databases=["sqlite"], pin=pinning())
        section = await run(ctx)
        print(section.body)
        for goal in section.goals:
            print(goal)

    asyncio.run(_main())
