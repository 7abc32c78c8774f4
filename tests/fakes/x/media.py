"""X API v2's chunked media upload: initialize, append, finalize, status, metadata.

The rules, as X documents them:
- every call needs a user token with `media.write` (403 otherwise);
- `initialize` takes JSON `media_type`, `total_bytes`, `media_category` (tweet_image,
  tweet_gif, tweet_video); the category caps the size: images 5 MB, GIFs 15 MB, video 512 MB;
- `append` is multipart: `segment_index` (0-999) and the `media` part, at most 5 MB each;
- `finalize` checks the segments add up to `total_bytes`; images are usable at once, GIFs
  and videos go through processing: pending -> in_progress -> succeeded | failed, each answer
  saying `check_after_secs`. Processing moves one state per status check, or when the fake's
  clock passes `check_after_secs` per state: never on real time;
- a media id is the uploader's, and lives `expires_after_secs` (24 h) from initialize;
- alt text (at most 1,000 characters) through `POST /2/media/metadata`.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
from dataclasses import dataclass, field
from typing import Any

from .records import AccessToken
from .wire import PROBLEM_JSON, Refused, Reply, Request

MB = 1024 * 1024
CATEGORY_LIMITS = {"tweet_image": 5 * MB, "tweet_gif": 15 * MB, "tweet_video": 512 * MB}
CATEGORY_TYPES = {
    "tweet_image": frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"}),
    "tweet_gif": frozenset({"image/gif"}),
    "tweet_video": frozenset({"video/mp4", "video/quicktime"}),
}
MAX_SEGMENT_BYTES = 5 * MB
MAX_SEGMENT_INDEX = 999
EXPIRES_AFTER_SECS = 86400
CHECK_AFTER_SECS = 1
MAX_ALT_TEXT = 1000
STATES = ("pending", "in_progress", "succeeded")


def invalid(message: str, parameter: str | None = None) -> Refused:
    """X's 400 problem, naming the offending parameter when there is one."""
    body = {
        "errors": [{"parameters": {parameter: []} if parameter else {}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }
    return Refused(Reply.json(400, body, content_type=PROBLEM_JSON))


@dataclass
class Upload:
    """One media id: its bytes as appended, then its processing."""

    id: str
    owner: str
    media_type: str
    category: str
    total_bytes: int
    created_at: float
    segments: dict[int, bytes] = field(default_factory=dict)
    finalized_at: float | None = None
    polls: int = 0
    fail: bool = False
    alt_text: str | None = None
    content: bytes = b""

    @property
    def key(self) -> str:
        prefix = {"tweet_image": 3, "tweet_gif": 16, "tweet_video": 7}[self.category]
        return f"{prefix}_{self.id}"

    @property
    def processed(self) -> bool:
        return self.category != "tweet_image"

    def expired(self, now: float) -> bool:
        return now >= self.created_at + EXPIRES_AFTER_SECS

    def state(self, now: float) -> str:
        """Where processing stands: one step per status check or per `CHECK_AFTER_SECS`."""
        if self.finalized_at is None:
            return "uploading"
        if not self.processed:
            return "succeeded"
        elapsed = int((now - self.finalized_at) // CHECK_AFTER_SECS)
        step = min(max(self.polls, elapsed), len(STATES) - 1)
        if step == len(STATES) - 1 and self.fail:
            return "failed"
        return STATES[step]

    def data(self, now: float) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "media_key": self.key,
            "size": len(self.content) or self.total_bytes,
            "expires_after_secs": max(0, int(self.created_at + EXPIRES_AFTER_SECS - now)),
        }
        if self.processed and self.finalized_at is not None:
            state = self.state(now)
            info: dict[str, Any] = {"state": state}
            if state in ("pending", "in_progress"):
                info["check_after_secs"] = CHECK_AFTER_SECS
                info["progress_percent"] = 0 if state == "pending" else 50
            elif state == "failed":
                info["error"] = {"code": 1, "name": "InvalidMedia", "message": "Unsupported media"}
            else:
                info["progress_percent"] = 100
            data["processing_info"] = info
        return data


class MediaUploads:
    """The upload sessions of every user, and the rules above."""

    def __init__(self) -> None:
        self.uploads: dict[str, Upload] = {}
        self.fail_processing = 0

    def initialize(self, token: AccessToken, request: Request, now: float, new_id: str) -> Reply:
        body = _json_object(request)
        media_type, category = body.get("media_type"), body.get("media_category", "tweet_image")
        total = body.get("total_bytes")
        if category not in CATEGORY_LIMITS:
            raise invalid(f"Unsupported media_category: {category}", "media_category")
        if media_type not in CATEGORY_TYPES[category]:
            raise invalid(f"media_type {media_type} does not fit {category}", "media_type")
        if not isinstance(total, int) or isinstance(total, bool) or total <= 0:
            raise invalid("total_bytes must be a positive integer", "total_bytes")
        if total > CATEGORY_LIMITS[category]:
            raise invalid(f"File size exceeds {CATEGORY_LIMITS[category]} bytes.", "total_bytes")
        upload = Upload(new_id, token.user_id, media_type, category, total, now)
        if upload.processed and self.fail_processing > 0:
            self.fail_processing -= 1
            upload.fail = True
        self.uploads[upload.id] = upload
        return Reply.json(200, {"data": upload.data(now)})

    def append(self, token: AccessToken, media_id: str, request: Request, now: float) -> Reply:
        upload = self._own(token, media_id, now)
        if upload.finalized_at is not None:
            raise invalid("The media was already finalized.", "id")
        fields = _multipart(request)
        index_text, chunk = fields.get("segment_index"), fields.get("media")
        if index_text is None or not index_text.isdigit():
            raise invalid("segment_index is required", "segment_index")
        index = int(index_text)
        if index > MAX_SEGMENT_INDEX:
            raise invalid(f"segment_index must be at most {MAX_SEGMENT_INDEX}", "segment_index")
        if not chunk:
            raise invalid("media is required", "media")
        if len(chunk) > MAX_SEGMENT_BYTES:
            raise invalid(f"A segment may hold at most {MAX_SEGMENT_BYTES} bytes.", "media")
        upload.segments[index] = chunk
        if sum(map(len, upload.segments.values())) > upload.total_bytes:
            del upload.segments[index]
            raise invalid("Segments exceed the total_bytes given at initialize.", "media")
        return Reply.json(
            200, {"data": {"expires_at": int(upload.created_at + EXPIRES_AFTER_SECS)}}
        )

    def finalize(self, token: AccessToken, media_id: str, now: float) -> Reply:
        upload = self._own(token, media_id, now)
        if upload.finalized_at is None:
            indexes = sorted(upload.segments)
            content = b"".join(upload.segments[i] for i in indexes)
            if indexes != list(range(len(indexes))) or len(content) != upload.total_bytes:
                raise invalid("Segments do not add up to provided total file size.", "id")
            upload.content, upload.segments = content, {}
            upload.finalized_at = now
        return Reply.json(200, {"data": upload.data(now)})

    def status(self, token: AccessToken, query: dict[str, str], now: float) -> Reply:
        if query.get("command", "STATUS") != "STATUS":
            raise invalid("command must be STATUS", "command")
        upload = self._own(token, query.get("media_id", ""), now)
        if upload.finalized_at is None or not upload.processed:
            raise invalid("The media has no processing to report.", "media_id")
        upload.polls += 1
        return Reply.json(200, {"data": upload.data(now)})

    def metadata(self, token: AccessToken, request: Request, now: float) -> Reply:
        body = _json_object(request)
        upload = self._own(token, str(body.get("id", "")), now)
        metadata = body.get("metadata")
        alt = metadata.get("alt_text") if isinstance(metadata, dict) else None
        text = alt.get("text") if isinstance(alt, dict) else None
        if not isinstance(text, str):
            raise invalid("metadata.alt_text.text is required", "metadata")
        if len(text) > MAX_ALT_TEXT:
            raise invalid(f"Alt text must be at most {MAX_ALT_TEXT} characters.", "metadata")
        upload.alt_text = text
        data = {"id": upload.id, "associated_metadata": {"alt_text": {"text": text}}}
        return Reply.json(200, {"data": data})

    def usable(self, token: AccessToken, ids: tuple[str, ...], now: float) -> list[Upload]:
        """The media of a new post: the user's own, processed, unexpired, and a mix X takes
        (1-4 images, or one GIF, or one video)."""
        uploads = [self.uploads.get(i) for i in ids]
        found = [
            u
            for u in uploads
            if u is not None
            and u.owner == token.user_id
            and not u.expired(now)
            and u.state(now) == "succeeded"
        ]
        images = sum(u.category == "tweet_image" for u in found)
        fits = 1 <= len(ids) <= 4 and (images == len(ids) or len(ids) == 1)
        if len(found) != len(ids) or len(set(ids)) != len(ids) or not fits:
            raise Refused(_invalid_ids(ids))
        return found

    def _own(self, token: AccessToken, media_id: str, now: float) -> Upload:
        upload = self.uploads.get(media_id)
        if upload is None or upload.owner != token.user_id or upload.expired(now):
            raise invalid(f"Invalid media id {media_id}", "id")
        return upload

    def sha256(self, media_id: str) -> str:
        return hashlib.sha256(self.uploads[media_id].content).hexdigest()


def _invalid_ids(ids: tuple[str, ...]) -> Reply:
    problem = {
        "parameters": {"media.media_ids": list(ids)},
        "message": "Your media IDs are invalid.",
    }
    body = {
        "errors": [problem],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }
    return Reply.json(400, body, content_type=PROBLEM_JSON)


def _json_object(request: Request) -> dict[str, Any]:
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise invalid("Requests with bodies must have content-type of application/json.")
    try:
        body = request.json()
    except ValueError:
        raise invalid("Request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise invalid("Request body must be a JSON object.")
    return body


def _multipart(request: Request) -> dict[str, Any]:
    """The form's fields: text for plain fields, bytes for the `media` file part."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise invalid("append takes multipart/form-data")
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = payload if name == "media" else payload.decode("utf-8", "replace")
    return fields
