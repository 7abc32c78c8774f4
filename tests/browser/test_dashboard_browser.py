"""The dashboard in a real browser (Debian's chromium, driven by Playwright) against a real
`openpost serve` on the demo workspace: sign in, connect Bluesky and X through the
simulated flows, schedule a post on both and watch it published, cancel another, sign
out. On every page: no console error (a CSP violation is one), no critical or serious
axe-core violation, no horizontal overflow at 360 px; a screenshot of each page is written
under the test's folder.

About 80 s, most of it waiting for the scheduled minute (a schedule is at least 60 s ahead).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from entrypoints.http.dashboard.posts import count
from tests.support.serve import ServeProcess, base_env, demo_key, serve

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/__test__/axe.min.js"  # answered by the test itself, never by the server
ZONE = "Europe/Paris"
NARROW = {"width": 360, "height": 740}


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return "Debian's chromium is not installed (/usr/bin/chromium): make peers or .ci/run installs it"
    if not AXE.exists():
        return "axe-core is not installed: make peers installs it (tests/browser/install.sh)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (the dev extra)"
    return None


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver on loopback: answers every delivery 204."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    reason = _missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    # The receiver is plain http on loopback.
    env = base_env(OPENPOST_WEBHOOK_ALLOW_PRIVATE="true", OPENPOST_WEBHOOK_ALLOW_HTTP="true")
    with serve(tmp_path_factory.mktemp("dashboard"), env) as process:
        yield process


@pytest.fixture(scope="module")
def browser(server: ServeProcess) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


class Pages:
    """One browser page, checked and photographed at every stop."""

    def __init__(self, page: Any, out: Path) -> None:
        self.page = page
        self.out = out
        self.problems: list[str] = []
        page.on(
            "console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}")
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.route(
            f"**{AXE_PATH}",
            lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"),
        )

    def check(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        page.add_script_tag(url=AXE_PATH)
        serious = page.evaluate(
            """async () => (await axe.run()).violations
                 .filter(v => v.impact === "critical" || v.impact === "serious")
                 .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "))"""
        )
        assert serious == [], f"{name}: {serious}"
        page.screenshot(path=str(self.out / f"{name}.png"), full_page=True)
        size = page.viewport_size
        page.set_viewport_size(NARROW)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(self.out / f"{name}-360.png"), full_page=True)
        page.set_viewport_size(size)
        assert overflow <= NARROW["width"], f"{name}: {overflow} px wide at 360 px"
        assert self.problems == [], f"{name}: {self.problems}"


def red_square() -> bytes:
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_a_person_connects_schedules_cancels_and_signs_out(
    server: ServeProcess, browser: Any, receiver: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(timezone_id=ZONE, viewport={"width": 1100, "height": 800})
    pages = Pages(context.new_page(), tmp_path)
    page = pages.page

    page.goto(server.url + "/dashboard")
    expect(page).to_have_title("Sign in - OpenPost")
    pages.check("sign-in")
    page.get_by_label("API key").fill(demo_key(server))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("Integrations - OpenPost")
    pages.check("integrations")

    page.get_by_label("Handle").fill("friend.bsky.social")
    page.get_by_label("App password").fill("test-test-test-test")
    page.get_by_role("button", name="Connect Bluesky").click()
    expect(page.locator(".notice")).to_have_text("The account is connected.")
    expect(page.locator(".integration", has_text="@friend.bsky.social")).to_have_attribute(
        "data-status", "active"
    )

    page.get_by_role("button", name="Connect an X account").click()  # the simulated consent screen
    expect(page.locator(".notice")).to_have_text("The account is connected.")
    assert "/dashboard/integrations?integration_id=" in page.url
    pages.check("integrations-connected")

    page.get_by_role("link", name="Disconnect @friend.bsky.social").click()
    expect(page).to_have_title("Disconnect - OpenPost")
    pages.check("disconnect")
    page.get_by_role("link", name="Keep it connected").click()

    page.get_by_role("link", name="Posting schedule of @friend.bsky.social").click()
    pages.check("queue-empty")
    page.get_by_label("Monday").fill("09:00, 12:30")
    page.get_by_label("Friday").fill("17:00")
    page.get_by_label("Days ahead to look for a slot").fill("14")
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.locator(".notice")).to_have_text("The posting schedule is saved.")
    expect(page.locator(".slots time")).to_have_count(5)
    pages.check("queue")
    page.get_by_role("link", name="Back to the integrations").click()

    page.get_by_role("link", name="Posts").click()
    expect(page).to_have_title("Posts - OpenPost")
    pages.check("posts-empty")
    text = page.get_by_label("Text", exact=True)
    hello = "Hello 👋🏽 from the dashboard https://example.com/a/long/path/that/counts/as/23"
    text.fill(hello)
    expect(page.locator('output[name="twitter_count"]')).to_have_text(str(count(hello).twitter))
    expect(page.locator('output[name="bluesky_count"]')).to_have_text(str(count(hello).bluesky))
    at = datetime.now(ZoneInfo(ZONE)) + timedelta(
        seconds=70
    )  # the least lead (60 s), with room for a slow machine
    page.get_by_label("At a time").check()
    page.get_by_label(f"Date and time ({ZONE})").fill(at.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Save the post").click()
    expect(page.locator(".notice")).to_have_text("The post is scheduled.")
    scheduled = page.locator(".post").first
    expect(scheduled).to_have_attribute("data-status", "scheduled")
    expect(scheduled.locator("time")).to_have_attribute(
        "datetime", at.replace(microsecond=0).isoformat()
    )

    text.fill("Not this one")
    page.get_by_label("Image or video").set_input_files(
        files=[{"name": "red.png", "mimeType": "image/png", "buffer": red_square()}]
    )
    page.get_by_label("Description for people who cannot see it (alt text)").fill("A red square")
    page.get_by_label("The next free slot").check()
    page.get_by_role("button", name="Save the post").click()
    expect(page.locator(".notice")).to_have_text("The post is scheduled.")
    other = page.locator(".post", has_text="Not this one")
    other.get_by_role("button", name="Cancel this post").click()
    expect(page.locator(".notice")).to_have_text("The post is canceled.")
    canceled = page.locator(".post", has_text="Not this one")
    expect(canceled).to_have_attribute("data-status", "canceled")
    expect(canceled.locator(".media")).to_have_text("With 1 attached media.")
    pages.check("posts")

    page.get_by_role("link", name="Webhooks").click()
    pages.check("webhooks-empty")
    page.get_by_label("URL").fill(receiver)
    page.get_by_role("button", name="Add the endpoint").click()
    expect(page.locator("code.secret")).to_contain_text("whsec_")
    pages.check("webhooks")
    page.get_by_role("link", name=receiver).click()
    page.get_by_role("button", name="Send a test event").click()
    expect(page.locator(".notice")).to_have_text("A test event is queued for this endpoint.")
    test_event = page.locator('.delivery[data-event="webhook.test"]')
    deadline = datetime.now(ZoneInfo(ZONE)) + timedelta(seconds=30)
    while test_event.get_attribute("data-status") != "succeeded":
        assert datetime.now(ZoneInfo(ZONE)) < deadline, "the test event was not delivered"
        page.wait_for_timeout(500)  # polling the page as a person would
        page.reload()
    pages.check("webhook")

    page.get_by_role("link", name="Calendar").click()
    expect(page.locator(".entry", has_text="Hello")).to_have_count(1)
    pages.check("calendar")

    page.get_by_role("link", name="Posts").click()
    published = page.locator(".post", has_text="Hello")
    deadline = datetime.now(ZoneInfo(ZONE)) + timedelta(seconds=150)
    while published.get_attribute("data-status") != "published":
        assert datetime.now(ZoneInfo(ZONE)) < deadline, "the post was not published in time"
        page.wait_for_timeout(2000)  # polling the page as a person would, not timing a behaviour
        page.reload()
    targets = published.locator(".target")
    expect(targets).to_have_count(3)  # the demo's X (reconnected above) and two Bluesky accounts
    for n in range(3):
        expect(targets.nth(n)).to_have_attribute("data-status", "published")
        expect(targets.nth(n).get_by_role("link")).to_have_count(1)
    pages.check("posts-published")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_title("Sign in - OpenPost")
    page.goto(server.url + "/dashboard/posts")
    expect(page).to_have_title("Sign in - OpenPost")
    assert pages.problems == []
    context.close()
