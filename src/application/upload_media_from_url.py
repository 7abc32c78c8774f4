from dataclasses import dataclass
from uuid import UUID

from application.ports.url_fetcher import FetchFailed, FetchRequest, UrlFetcher
from application.upload_media import UploadMedia, UploadMediaCommand
from domain.media import Media, MediaCaps, check_alt_text

FETCH_TIMEOUT_S = 30.0
MAX_REDIRECTS = 3


@dataclass(frozen=True, slots=True)
class UploadMediaFromUrlCommand:
    workspace_id: UUID
    url: str
    alt_text: str | None = None


class UploadMediaFromUrl:
    """Fetches the URL through the guarded fetcher (public addresses only unless allowed,
    30 s, 3 redirects each checked, the largest media cap) and uploads what it answers as
    if the client had sent it: the same type checks, cleaning and caps apply."""

    def __init__(self, fetcher: UrlFetcher, upload: UploadMedia, caps: MediaCaps) -> None:
        self.fetcher, self.upload, self.caps = fetcher, upload, caps

    async def execute(self, command: UploadMediaFromUrlCommand) -> Media:
        check_alt_text(command.alt_text)
        request = FetchRequest(
            command.url,
            max_bytes=self.caps.largest,
            timeout_s=FETCH_TIMEOUT_S,
            max_redirects=MAX_REDIRECTS,
        )
        async with self.fetcher.open(request) as response:
            if not 200 <= response.status < 300:
                raise FetchFailed(f"the server answered {response.status}")
            upload = UploadMediaCommand(command.workspace_id, response.chunks(), command.alt_text)
            return await self.upload.execute(upload)
