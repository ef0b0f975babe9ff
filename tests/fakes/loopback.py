"""HTTP plumbing shared by the fake servers: a threaded loopback server on port 0 whose handler hands
every request to its owning fake (`fake._handle(handler)`), tracks open connections for a clean stop,
and can answer or drop the connection."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


def shut(conn: socket.socket) -> None:
    """Shut a socket down both ways; one the client already closed is fine."""
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)


class LoopbackServer(ThreadingHTTPServer):
    """127.0.0.1, a free port, daemon threads; `fake` needs `_lock`, `_connections` and `_handle`."""

    daemon_threads = True
    request_queue_size = 1024  # a delivery run opens hundreds of connections at once, like Slack sees

    def __init__(self, fake: Any) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), LoopbackHandler)


class Served:
    """Start, stop and `with` for a fake served by a LoopbackServer in a daemon thread. The fake sets
    `_lock`, `_connections`, `_server = None` and `_thread = None`; it may hook `_starting` and
    `_stopping_now`."""

    thread_name = "fake"
    _lock: threading.Lock
    _connections: set[socket.socket]
    _server: LoopbackServer | None
    _thread: threading.Thread | None

    def start(self) -> Self:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError(f"{type(self).__name__} is already started")
        self._starting()
        self._server = LoopbackServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self.thread_name,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, drop open (keep-alive or delayed) connections, free the port."""
        if self._server is None:
            return
        self._stopping_now()
        self._server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            shut(conn)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def _starting(self) -> None:
        """Called before the server binds."""

    def _stopping_now(self) -> None:
        """Called before the server shuts down."""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class LoopbackHandler(BaseHTTPRequestHandler):
    """Hands every request to the owning fake; keep-alive like the real APIs."""

    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections end eventually
    # Headers and body go out as two writes: without TCP_NODELAY, Nagle holds the body until the
    # client's delayed ACK (40 ms on Linux), so every answer took 40 ms longer than it should.
    disable_nagle_algorithm = True
    server: LoopbackServer

    def setup(self) -> None:
        super().setup()
        with self.server.fake._lock:
            self.server.fake._connections.add(self.connection)

    def finish(self) -> None:
        with self.server.fake._lock:
            self.server.fake._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def _dispatch(self) -> None:
        self.server.fake._handle(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

    def read_body(self) -> bytes:
        """The request body, per Content-Length."""
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send(self, reply: Any) -> None:
        """Write a reply (status, body, headers, optional content_type); a client that left is fine."""
        if isinstance(reply.body, bytes):  # a file's bytes, as they are
            data = reply.body
        else:
            payload = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
            data = (payload or "").encode()
        try:
            self.send_response(reply.status)
            self.send_header("content-type", getattr(reply, "content_type", "application/json"))
            self.send_header("content-length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def drop(self) -> None:
        """Close the socket without a byte of answer."""
        self.close_connection = True
        shut(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""
