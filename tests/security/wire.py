"""Raw HTTP/1.1 over a socket, so a request can be anything (doubled headers, wrong case, a body shorter
than its Content-Length), and the properties every answer must have."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import logging
import socket
import time
from dataclasses import dataclass

from sqlalchemy import inspect, text

from tests.fakes.slack_requests import SIGNING_SECRET

# A traceback's marks: none may reach a client or a log line about a refused request.
TRACE_MARKS = ("Traceback", 'File "', '.py"')
# Long enough for the slowest listener on a busy 2-core machine; a server that never answers fails.
TIMEOUT = 30.0


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: the server closed the connection without a status line
    content_type: str
    body: bytes


def request_bytes(method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    """The bytes on the wire; headers are sent exactly as given (case, order, repeats)."""
    head = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    head += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def send(port: int, raw: bytes, *, half_close: bool = False) -> Answer:
    """Send raw bytes and read the answer. `half_close` ends our side after sending (a truncated body
    then ends at EOF instead of waiting for bytes that never come)."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(raw)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        # An answer to HEAD declares its length and carries no body (uvicorn; waitress sends none).
        method = raw.split(b" ", 1)[0].decode("latin-1")
        response = http.client.HTTPResponse(sock, method=method)
        try:
            response.begin()
        except http.client.RemoteDisconnected:
            return Answer(None, "", b"")
        return Answer(response.status, response.getheader("content-type", ""), response.read())


def signed(body: bytes, content_type: str, timestamp: int | None = None) -> list[tuple[str, str]]:
    """Slack's headers with a valid v0 signature over exactly these bytes (any bytes, like a buggy
    sender that signs whatever it sends)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return [
        ("Content-Type", content_type),
        ("X-Slack-Request-Timestamp", ts),
        ("X-Slack-Signature", f"v0={digest.hexdigest()}"),
    ]


def with_length(headers: list[tuple[str, str]], body: bytes) -> list[tuple[str, str]]:
    return [*headers, ("Content-Length", str(len(body)))]


def check_answer(answer: Answer) -> None:
    """2xx or 4xx, a short body, no traceback; never a dropped connection."""
    assert answer.status is not None, "connection dropped without an answer"
    assert 200 <= answer.status < 500, (answer.status, answer.body[:300])
    assert len(answer.body) < 4096, answer.body[:300]
    shown = answer.body.decode("utf-8", "replace")
    assert not any(mark in shown for mark in TRACE_MARKS), shown[:300]


# Loggers that must stay quiet at ERROR for anything a stranger or a buggy sender posts: ours (a lazy
# listener's failure is logged by Bolt on the app's logger, `handlers.slack.app`) and waitress's (an
# exception out of the WSGI app). slack_bolt's own one-line ERROR for a signed request from a workspace
# that never installed the app is Bolt's choice and carries nothing from the body: allowed.
QUIET_AT_ERROR = ("handlers", "bot", "waitress")


def check_logs(records) -> None:
    """No ERROR from our code or the server, no traceback and one line in any record."""
    for record in records:
        message = record.getMessage()
        if record.name.startswith(QUIET_AT_ERROR):
            assert record.levelno < logging.ERROR, f"{record.name}: {message}"
        assert record.exc_info is None, f"{record.name}: {message} (with a traceback)"
        assert "\n" not in message, f"{record.name}: a multi-line log record: {message}"


def row_counts(engine) -> dict[str, int]:
    """Rows in every table (Plume's and slack_sdk's): an unsigned request must change none."""
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        return {name: conn.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one() for name in names}


def content_type_of(headers: list[tuple[str, str]]) -> str:
    """The Content-Type the app sees: WSGI keeps one, the last (waitress joins repeats with a comma)."""
    values = [value for name, value in headers if name.lower() == "content-type"]
    return ", ".join(values)
