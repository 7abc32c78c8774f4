"""The dashboard's own script and style sheet, served by the app (no CDN, no build step):
only the named files are reachable."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from litestar import Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

STATIC = Path(__file__).parent / "static"
_FILES = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}


@cache
def version() -> str:
    """Changes with the files' bytes: the pages name their assets with it, so a browser
    keeps them for a day yet never runs an old script with a new page."""
    digest = hashlib.sha256()
    for name in sorted(_FILES):
        digest.update((STATIC / name).read_bytes())
    return digest.hexdigest()[:12]


@get("/dashboard/static/{name:str}", include_in_schema=False, sync_to_thread=False)
def dashboard_asset(name: FromPath[str]) -> Response[bytes]:
    media_type = _FILES.get(name)
    if media_type is None:
        raise NotFoundException()
    return Response(
        (STATIC / name).read_bytes(),
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )
