"""Log set-up: plain text for people, one JSON object a line for machines."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

_RESERVED = set(vars(logging.makeLogRecord({})))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


class TextFormatter(logging.Formatter):
    """`%(asctime)s %(levelname)s %(name)s: %(message)s`, with the local time formatted
    once a second rather than once a line: a line per request made it show."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._second = -1
        self._stamp = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        if second != self._second:
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", self.converter(record.created))
            self._second = second
        return f"{self._stamp},{int(record.msecs):03d}"


class BufferedStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes lines in batches, as web servers write access logs: a line at WARNING or
    above goes out at once (with any before it, in order); lower ones wait until
    `max_lines` are pending or `flush_interval_s` has passed (a daemon thread sees to
    that), and for the exit. One write per batch instead of a write and a flush per line:
    at a line per request, that was a tenth of a listing's cost. A process killed with
    SIGKILL loses at most the last `flush_interval_s` of INFO lines."""

    def __init__(self, stream: Any, flush_interval_s: float = 0.25, max_lines: int = 128) -> None:
        super().__init__(stream)
        self.flush_interval_s = flush_interval_s
        self.max_lines = max_lines
        self._pending: list[str] = []
        self._closed = threading.Event()
        self._flusher: threading.Thread | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._pending.append(self.format(record) + self.terminator)
        except Exception:
            self.handleError(record)
            return
        if record.levelno >= logging.WARNING or len(self._pending) >= self.max_lines:
            self.flush()
        elif self._flusher is None:
            self._flusher = threading.Thread(
                target=self._flush_periodically, name="openpost-log-flush", daemon=True
            )
            self._flusher.start()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            if not self._pending:
                return
            lines, self._pending = self._pending, []
            # A log that cannot be written (a closed or broken stream) must not raise.
            with contextlib.suppress(OSError, ValueError):
                self.stream.write("".join(lines))
                self.stream.flush()

    def close(self) -> None:
        self._closed.set()
        self.flush()
        super().close()

    def _flush_periodically(self) -> None:
        while not self._closed.wait(self.flush_interval_s):
            self.flush()


def configure_logging(level: str, fmt: str) -> None:
    # Nothing here prints the caller's file and line, thread or process: leave them out of
    # every record rather than look them up (a stack walk, several calls) for each line.
    logging._srcfile = None  # the documented switch
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = BufferedStreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Client libraries log full request URLs and headers at DEBUG; they may carry tokens.
    for noisy in ("hpack", "asyncio", "aiosqlite"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, logging.getLevelName(level)))
    # httpx tells of every request at INFO: a line per publish beside the publisher's own.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # Alembic narrates every start-up at INFO; an operator needs only its warnings (and the
    # `serve` refusal stays one line on stderr).
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLevelName(level)))
