"""A target's media, as the platform port takes it: rows read back, bytes streamed from the
store on demand, never loaded here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence

from application.ports.media_store import MediaObjectMissing, MediaStore, MediaStoreError
from application.ports.outgoing_media import MediaUnreadable, OutgoingMedia
from domain.media import Media


def outgoing_media(media: Sequence[Media], store: MediaStore) -> list[OutgoingMedia]:
    """In the post's order. A store failure while the platform adapter reads becomes
    `MediaUnreadable`: nothing was posted yet, and a vanished object never comes back."""
    return [
        OutgoingMedia(
            kind=item.kind,
            content_type=item.content_type,
            size_bytes=item.size_bytes,
            width=item.width,
            height=item.height,
            alt_text=item.alt_text or "",
            chunks=_reader(store, item.storage_key),
            duration_ms=item.duration_ms,
        )
        for item in media
    ]


def _reader(store: MediaStore, key: str) -> Callable[[], AsyncIterator[bytes]]:
    async def chunks() -> AsyncIterator[bytes]:
        try:
            async for chunk in store.read(key):
                yield chunk
        except MediaObjectMissing:
            raise MediaUnreadable(f"the stored media {key} is gone", missing=True) from None
        except MediaStoreError as error:
            raise MediaUnreadable(f"the media store failed: {error}", missing=False) from None

    return chunks
