"""Videos through PyAV (FFmpeg's demuxers and decoders): the container must be MP4 or
QuickTime, hold a video track whose first frame decodes, and state a duration. The bytes
are stored as uploaded; only their facts are read."""

from __future__ import annotations

from pathlib import Path

import av

from adapters.media.sniff import Sniffed
from application.ports.media_inspector import InvalidMedia
from domain.media import MediaFacts, MediaKind

_CONTAINER = "mov,mp4,m4a,3gp,3g2,mj2"


def probe_video(source: Path, sniffed: Sniffed) -> MediaFacts:
    try:
        with av.open(str(source), mode="r") as container:
            if container.format.name != _CONTAINER:
                raise InvalidMedia(f"the file does not decode as {sniffed.content_type}")
            if not container.streams.video:
                raise InvalidMedia("the video has no video track")
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            duration_ms = _duration_ms(container, stream)
            next(iter(container.decode(stream)))
    except (av.FFmpegError, StopIteration, UnicodeDecodeError) as exc:
        raise InvalidMedia(f"the file does not decode as {sniffed.content_type}") from exc
    if width < 1 or height < 1 or duration_ms is None:
        raise InvalidMedia("the video states no size or duration")
    return MediaFacts(MediaKind.VIDEO, sniffed.content_type, width, height, duration_ms)


def _duration_ms(container: av.container.InputContainer, stream: av.VideoStream) -> int | None:
    if stream.duration is not None and stream.time_base is not None:
        return round(float(stream.duration * stream.time_base) * 1000)
    if container.duration is not None:
        return round(container.duration / 1000)
    return None
