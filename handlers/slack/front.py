"""The WSGI front of `POST /slack/events`: size cap and Slack signature, checked before Bolt runs.

A request from the internet that is not from Slack costs one HMAC over at most
`PLUME_MAX_BODY_BYTES` and one log line here: no form or JSON parsing, no database, no Bolt
middleware, no listener thread, no command queue. Bolt's own signature check stays behind this one
(defence in depth); OAuth routes and /healthz are not signed by Slack and pass straight through.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_sdk.signature import SignatureVerifier

EVENTS_PATH = "/slack/events"
REPLAY_WINDOW = 5 * 60  # seconds, Slack's documented window (Bolt refuses the same)
MAX_DIGITS = 18  # a Unix time or a body length has far fewer; int() of a 5,000-digit string raises
log = logging.getLogger(__name__)

Wsgi = Callable[[dict[str, Any], Callable], Iterable[bytes]]


class Refusal(Exception):
    """A request refused at the front: the HTTP status and a short machine-readable reason."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def guard_events(
    inner: Wsgi, signing_secret: str, max_body: int, clock: Callable[[], float] = time.time
) -> Wsgi:
    """Wrap `inner` so `POST /slack/events` reaches it only with a body under `max_body` bytes and a
    valid Slack signature made within the replay window."""
    verifier = SignatureVerifier(signing_secret)

    def application(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != EVENTS_PATH or environ.get("REQUEST_METHOD") != "POST":
            return inner(environ, start_response)
        try:
            body = _read_body(environ, max_body)
            _verify(verifier, environ, body, clock())
        except Refusal as refusal:
            return refuse(environ, start_response, refusal.status, refusal.reason)
        # Bolt reads the body again from wsgi.input.
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return inner(environ, start_response)

    return application


def _read_body(environ: dict[str, Any], max_body: int) -> bytes:
    """The raw body, refused on its declared length before any of it is read. Under waitress the
    body is already buffered and capped (waitress answers 413 itself); this check serves other
    servers, which may stream it."""
    declared = environ.get("CONTENT_LENGTH") or "0"
    # `²` is a digit to isdigit(), not to int(); and int() refuses strings over 4,300 digits.
    if not (declared.isascii() and declared.isdigit()) or len(declared) > MAX_DIGITS:
        raise Refusal("400 Bad Request", "bad_content_length")
    if int(declared) > max_body:
        raise Refusal("413 Request Entity Too Large", "body_too_large")
    return environ["wsgi.input"].read(int(declared)) if int(declared) else b""


def _verify(verifier: SignatureVerifier, environ: dict[str, Any], body: bytes, now: float) -> None:
    """Raise `Refusal` unless the v0 signature over timestamp and body is valid and fresh."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not timestamp or not signature:
        raise Refusal("401 Unauthorized", "unsigned")
    # slack_sdk would raise on a timestamp that is not an integer: check it here first.
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > MAX_DIGITS:
        raise Refusal("401 Unauthorized", "stale_timestamp")
    if abs(now - int(timestamp)) > REPLAY_WINDOW:
        raise Refusal("401 Unauthorized", "stale_timestamp")
    try:
        text = body.decode("utf-8")  # slack_sdk signs text, and Bolt decodes the body as UTF-8
    except UnicodeDecodeError:
        raise Refusal("400 Bad Request", "body_not_utf8") from None
    # hmac.compare_digest raises TypeError on a non-ASCII string (a doubled header can bring one).
    if not signature.isascii() or not verifier.is_valid(body=text, timestamp=timestamp, signature=signature):
        raise Refusal("401 Unauthorized", "bad_signature")


def refuse(environ: dict[str, Any], start_response: Callable, status: str, reason: str) -> list[bytes]:
    """Answer with a short plain body and log ONE warning line without the body's contents."""
    log_refusal(
        reason=reason,
        status=status.split()[0],
        path=environ.get("PATH_INFO", ""),
        content_length=environ.get("CONTENT_LENGTH") or 0,
        remote=environ.get("REMOTE_ADDR", ""),
    )
    payload = status.split(" ", 1)[1].encode() + b"\n"
    start_response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(payload)))],
    )
    return [payload]


def log_refusal(**fields: Any) -> None:
    """The one WARNING line of a refused request (key=value fields, see bot.logs)."""
    # The path is the only client-chosen text in the line: cut it so a flood cannot bloat the log.
    # Escaped too (a %0A in the URL arrives as a newline), so the record stays one line.
    fields["path"] = str(fields.get("path", ""))[:200].encode("unicode_escape").decode("ascii")
    log.warning("refused", extra={"fields": fields})
