"""`python -m bot serve`'s limits over raw sockets: the body cap (413) and slow clients."""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.fakes.serve_process import REPO, free_port, serve_env, wait_healthy
from tests.fakes.slack_requests import command_body, signed_headers

pytestmark = pytest.mark.slow
CAP = 16 * 1024  # a small cap, so the test sends little
TIMEOUT = 3  # PLUME_CHANNEL_TIMEOUT for the test: slow connections are closed 3-4 s after they fall silent
SLOW = 24  # more slow connections than waitress's 16 threads


@pytest.fixture
def limited(slack, tmp_path):
    """A `serve` subprocess with a 16 KiB cap and a 3 s channel timeout; (base URL, port, its log)."""
    port, log = free_port(), tmp_path / "serve.log"
    env = serve_env(
        port,
        tmp_path / "serve.db",
        slack.url,
        PLUME_MAX_BODY_BYTES=str(CAP),
        PLUME_CHANNEL_TIMEOUT=str(TIMEOUT),
    )
    with log.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err
        )
    base = f"http://127.0.0.1:{port}"
    wait_healthy(port)
    yield base, port, log
    process.terminate()
    process.wait(timeout=10)


def exchange(port: int, raw: bytes, timeout: float = 10.0) -> bytes:
    """Send `raw` on a fresh connection and read until the server closes it or stops answering."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        # The server may answer and close before the whole of `raw` is sent.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(raw)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except (ConnectionResetError, TimeoutError):
            pass
        return received


def head(path: str, extra: str) -> bytes:
    form = "Content-Type: application/x-www-form-urlencoded"
    return f"POST {path} HTTP/1.1\r\nHost: plume\r\n{form}\r\n{extra}\r\n".encode()


def refusal_lines(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if "msg=refused" in line]


def test_a_body_over_the_cap_gets_413_before_it_is_sent(limited):
    base, port, log = limited
    # Declared over the cap: the answer comes back although not one byte of the body was sent.
    answer = exchange(port, head("/slack/events", f"Content-Length: {CAP + 1}\r\n"))
    status, _, body = answer.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 413 ") and b"Content-Type: text/plain" in status
    assert len(body) < 200 and b"Traceback" not in body
    # Exactly at the cap is allowed through to the signature check.
    assert exchange(port, head("/slack/events", f"Content-Length: {CAP}\r\n") + b"a" * CAP).startswith(
        b"HTTP/1.1 401 "
    )
    assert requests.get(f"{base}/healthz", timeout=5).status_code == 200  # the next request is served
    lines = refusal_lines(log)
    assert re.search(
        rf"level=WARNING logger=handlers\.slack\.front msg=refused reason=body_too_large status=413 "
        rf"path=/slack/events content_length={CAP + 1} remote=127\.0\.0\.1$",
        lines[0],
    ), lines
    assert "reason=unsigned status=401" in lines[1] and len(lines) == 2


def test_a_chunked_body_is_cut_at_the_cap(limited):
    base, port, log = limited
    chunk = b"a" * 4096
    endless = b"".join(b"1000\r\n" + chunk + b"\r\n" for _ in range(3 * CAP // 4096))  # 3x the cap
    answer = exchange(port, head("/slack/events", "Transfer-Encoding: chunked\r\n") + endless)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
    assert (
        "reason=body_too_large status=413 path=/slack/events content_length=chunked" in refusal_lines(log)[0]
    )


def open_slow(port: int, count: int) -> list[socket.socket]:
    """Connections that send headers and the start of a body, then fall silent."""
    slow = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=15)
        sock.sendall(head("/slack/events", "Content-Length: 1000\r\n") + b"token=")
        slow.append(sock)
    return slow


def seconds_until_closed(sock: socket.socket, since: float) -> float:
    with contextlib.suppress(ConnectionResetError):
        assert sock.recv(1024) == b""  # waitress closes a half-received request without an answer
    return time.monotonic() - since


def post_help(base: str, urls) -> tuple[int, float]:
    """One signed `/plume help`: its status and seconds to the ack."""
    body = command_body("help", response_url=urls.new())
    started = time.monotonic()
    response = requests.post(f"{base}/slack/events", data=body, headers=signed_headers(body), timeout=10)
    return response.status_code, time.monotonic() - started


def test_slow_clients_hold_no_thread_and_are_closed_after_the_timeout(limited, urls):
    base, port, _ = limited
    assert post_help(base, urls)[0] == 200  # the first command also starts the command process
    opened = time.monotonic()
    slow = open_slow(port, SLOW)
    try:
        status, acked = post_help(base, urls)
        # Had the slow requests taken the 16 threads, this ack would wait for the timeout to free one.
        assert status == 200 and acked < TIMEOUT - 1, acked
        assert time.monotonic() - opened < TIMEOUT  # the slow ones were all still open meanwhile
        closed = [seconds_until_closed(sock, opened) for sock in slow]
    finally:
        for sock in slow:
            sock.close()
    # Closed by the channel timeout, seen by the next clean-up (every second), not before.
    assert all(TIMEOUT - 0.5 <= after <= TIMEOUT + 4 for after in closed), closed


def test_a_trickling_client_is_closed_a_timeout_after_its_first_byte(limited):
    # A byte every 0.5 s never leaves the connection silent for TIMEOUT seconds: only a deadline
    # counted from the request's first byte closes it.
    _, port, _ = limited
    [sock] = open_slow(port, 1)
    opened = time.monotonic()
    try:
        while time.monotonic() - opened < TIMEOUT + 5:
            time.sleep(0.5)
            sock.sendall(b"a")
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        sock.close()
    assert TIMEOUT - 0.5 <= time.monotonic() - opened <= TIMEOUT + 3
