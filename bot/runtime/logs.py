"""Where log lines go and what they look like: the one place logging is configured.

The long-running processes (`tend serve`, `tend socket`, `tend clock`, `tend tick`) write
one JSON object per line to stderr by default (`LOG_FORMAT=json`), for log shippers;
`LOG_FORMAT=text` gives the plain lines a person reads. Either way tend's own lines
carry ids, counts and Slack error codes, never what anyone wrote (docs/operations.md).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Library chatter (a line per tick, per migration plugin, per request) drowns what matters.
NOISY = ("apscheduler", "alembic", "werkzeug")

# The attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts (UTC, ISO 8601), level, logger, msg, the record's
    `extra=` fields, and exc_info / stack_info as strings when present."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.exc_info:
            record.exc_text = record.exc_text or self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _TendHandler(logging.StreamHandler[IO[str]]):
    """Marks the handler configure_logging installed, so a second call replaces it."""


def configure_logging(*, level: str = "INFO", fmt: str = "json",
                      stream: IO[str] | None = None, quiet_bot: bool = False) -> None:
    """Send every log record at `level` or above to `stream` (stderr) as `fmt`.

    Like `logging.basicConfig`, it leaves a root logger that already has someone
    else's handlers alone (pytest's capture, an embedding program); a second call
    replaces what the first installed.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _TendHandler)]:
        root.removeHandler(handler)
    if not root.handlers:
        handler = _TendHandler(stream or sys.stderr)
        handler.setFormatter(JsonFormatter() if fmt == "json" else
                             logging.Formatter(TEXT_FORMAT))
        root.addHandler(handler)
        root.setLevel(level.upper())
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if quiet_bot:  # `tend demo` prints its own story
        logging.getLogger("bot").setLevel(logging.WARNING)
