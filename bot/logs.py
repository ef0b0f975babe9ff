"""Structured key=value logging; tokens never reach a log line."""

from __future__ import annotations

import logging
import re
import sys

# Also Sign in with X's one-time `state` and `code` in URLs (slack_sdk logs message bodies at DEBUG,
# and the join reply's button carries the state).
_SECRET = re.compile(r"(Bearer\s+|xox[abposr]-|xapp-|[?&](?:state|code)=)[A-Za-z0-9%._\-]+")


def redact(text: str) -> str:
    """Mask bearer tokens, Slack tokens and sign-in states or codes in a piece of text."""
    return _SECRET.sub(lambda m: m.group(1) + "***", text)


class RedactTokens(logging.Filter):
    """Scrubs tokens from a record before any handler sees it (tweepy logs request headers at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET.search(message):
            record.msg, record.args = redact(message), None
        return True


class KeyValueFormatter(logging.Formatter):
    """`ts=... level=INFO logger=bot.cli msg="..." key=value` lines, with token-looking text masked."""

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields.update(getattr(record, "fields", {}) or {})
        line = " ".join(f"{k}={_quote(v)}" for k, v in fields.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact(line)


def _quote(value: object) -> str:
    """Quote values with spaces so lines stay machine-readable."""
    text = str(value)
    return f'"{text}"' if (" " in text or not text) else text


def configure_logging(level: str = "INFO") -> None:
    """Send key=value logs to stderr; keep tweepy (which logs bearer headers at DEBUG) quieter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # procrastinate logs each task registration and job at INFO: the jobs log their own lines.
    quiet = ("tweepy", "urllib3", "requests_oauthlib", "oauthlib", "matplotlib", "alembic", "procrastinate")
    for noisy in quiet:
        logging.getLogger(noisy).setLevel(logging.WARNING)
