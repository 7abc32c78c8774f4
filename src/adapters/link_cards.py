"""Link cards from a page's Open Graph or HTML meta tags, fetched through the one guarded
fetcher (public addresses only, redirects re-checked).

- the page: 5 s, at most 1 MB of HTML read (a longer page is parsed as far as it was read);
- title: `og:title`, else `twitter:title`, else `<title>`; description: `og:description`,
  else `twitter:description`, else `<meta name=description>`; picture: `og:image`, else
  `twitter:image`, resolved against the page's URL;
- the picture: 5 s, at most 5 MB read, then re-encoded (JPEG, at most 2,000 px on the
  longer side) whenever it is over 1,000,000 bytes or not JPEG, PNG or WebP;
- anything that goes wrong leaves the card without a picture, or gives no card at all.
Parsed with BeautifulSoup over the standard library's HTML parser, not regular expressions.
"""

from __future__ import annotations

import io
import logging
from urllib.parse import urljoin

from bs4 import BeautifulSoup

from application.ports.link_cards import LinkCardSource
from application.ports.threads import LinkCard
from application.ports.url_fetcher import FetchError, FetchRequest, FetchTooLarge, UrlFetcher

log = logging.getLogger(__name__)
PAGE_BYTES = 1_048_576
READ_CAP = 1 << 40  # the fetcher's own cap for pages: this module stops reading at 1 MB
IMAGE_BYTES = 5 * 1_048_576
THUMB_BYTES = 1_000_000
TIMEOUT_S = 5.0
MAX_SIDE = 2000
KEPT_TYPES = {"image/jpeg", "image/png", "image/webp"}


class OpenGraphLinkCards(LinkCardSource):
    def __init__(self, fetcher: UrlFetcher) -> None:
        self.fetcher = fetcher

    async def card_for(self, url: str) -> LinkCard | None:
        try:
            page, final_url, content_type = await self._read(url, PAGE_BYTES, partial=True)
        except FetchError as error:
            log.info("no link card for a page (%s)", error)
            return None
        if page is None or "html" not in content_type:
            return None
        soup = BeautifulSoup(page, "html.parser")
        title = _meta(soup, "og:title", "twitter:title") or _title(soup)
        description = _meta(soup, "og:description", "twitter:description", "description")
        if not title and not description:
            return None
        image = _meta(soup, "og:image", "twitter:image")
        thumb, thumb_type = await self._thumb(urljoin(final_url, image)) if image else (None, None)
        return LinkCard(url, title[:300], description[:1000], thumb, thumb_type)

    async def _thumb(self, url: str) -> tuple[bytes | None, str | None]:
        try:
            data, _, content_type = await self._read(url, IMAGE_BYTES, partial=False)
        except FetchError:
            return None, None
        if data is None:
            return None, None
        if content_type in KEPT_TYPES and len(data) <= THUMB_BYTES:
            return data, content_type
        return _reencoded(data)

    async def _read(self, url: str, limit: int, *, partial: bool) -> tuple[bytes | None, str, str]:
        """At most `limit` bytes: a page is cut there (its head is what matters), an image
        longer than that is refused. Reading stops at the limit whatever the server declares."""
        cap = READ_CAP if partial else limit
        request = FetchRequest(url, max_bytes=cap, timeout_s=TIMEOUT_S, max_redirects=3)
        chunks: list[bytes] = []
        async with self.fetcher.open(request) as response:
            if not 200 <= response.status < 300:
                return None, response.url, ""
            headers = {name.lower(): value for name, value in response.headers.items()}
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            try:
                read = 0
                async for chunk in response.chunks():
                    chunks.append(chunk)
                    read += len(chunk)
                    if read >= limit:
                        break
            except FetchTooLarge:
                return None, response.url, content_type
            return b"".join(chunks)[:limit], response.url, content_type


def _meta(soup: BeautifulSoup, *names: str) -> str:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        content = tag.get("content") if tag is not None else None
        if isinstance(content, str) and content.strip():
            return " ".join(content.split())
    return ""


def _title(soup: BeautifulSoup) -> str:
    tag = soup.find("title")
    return " ".join(tag.get_text().split()) if tag is not None else ""


def _reencoded(data: bytes) -> tuple[bytes | None, str | None]:
    """JPEG, at most MAX_SIDE px, at falling quality until it fits; None if it never does."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = opened.convert("RGB")
    except Exception:
        return None, None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    for quality in (85, 70, 50):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        if out.tell() <= THUMB_BYTES:
            return out.getvalue(), "image/jpeg"
    return None, None
