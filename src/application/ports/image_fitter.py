"""Making an image fit a platform's limits on bytes and pixels, at publish time."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field
from typing import Protocol

from application.ports.platforms import ContentRejected


@dataclass(frozen=True, slots=True)
class FittedImage:
    content: bytes = field(repr=False)
    content_type: str
    width: int
    height: int


class ImageCannotFit(ContentRejected):
    """No re-encoding brings the image within the limits (or it does not decode)."""

    def __init__(self, message: str) -> None:
        super().__init__("media_rejected", message)


class ImageFitter(Protocol):
    """Shrinks an image to a platform's limits; the stored original is never touched."""

    @abstractmethod
    async def fit(self, content: bytes, *, max_bytes: int, max_side: int) -> FittedImage:
        """`content` itself (with its size in pixels) when it is at most `max_bytes` and
        its longer side at most `max_side`; otherwise a re-encoding that is. Raises
        `ImageCannotFit`. CPU-bound work runs off the event loop."""
