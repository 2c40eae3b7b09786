"""Logging of `telltale serve`: plain lines for people, or one JSON object per line (`--log-format json`)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime",
                                                                             "color_message"}
"""Record fields that are not the event's own (uvicorn's `color_message` is `message` with ANSI codes)."""


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", ...extra fields}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"time": datetime.fromtimestamp(record.created, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
               "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        out.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def setup_logging(fmt: str) -> dict[str, object]:
    """Configure telltale's and uvicorn's loggers; return uvicorn's `log_config`."""
    formatter = ("telltale.serve.logs.JsonFormatter" if fmt == "json" else "logging.Formatter")
    fmt_args = {} if fmt == "json" else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"main": {"()": formatter, **fmt_args}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "main",
                                "stream": "ext://sys.stderr"}},
        "loggers": {name: {"handlers": ["stderr"], "level": "INFO", "propagate": False}
                    for name in ("telltale", "uvicorn", "uvicorn.error", "uvicorn.access")},
    }
