"""A loopback stand-in for Slack's response_url endpoints (hooks.slack.com/commands/…): records what
listeners `respond()` with, per path."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ResponseUrls:
    """Hand out response URLs and collect the JSON bodies posted to them."""

    def __init__(self) -> None:
        self.posted: dict[str, list[dict]] = {}
        self.posted_at: dict[str, list[float]] = {}  # time.time() of each post, per path
        self._lock = threading.Lock()
        self._counter = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        # shutdown() waits for the serve loop's next poll: 0.05 s, not the default 0.5 s in every test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> ResponseUrls:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def new(self) -> str:
        """A fresh response URL."""
        with self._lock:
            self._counter += 1
            return f"http://127.0.0.1:{self._server.server_port}/commands/T0001/{self._counter}/x"

    def bodies(self, url: str) -> list[dict]:
        """What was posted to one URL, in order."""
        path = url.split(str(self._server.server_port), 1)[1]
        with self._lock:
            return list(self.posted.get(path, []))

    def answered_at(self, url: str) -> list[float]:
        """When each answer to one URL arrived (time.time())."""
        path = url.split(str(self._server.server_port), 1)[1]
        with self._lock:
            return list(self.posted_at.get(path, []))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        urls = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with urls._lock:
                    urls.posted.setdefault(self.path, []).append(body)
                    urls.posted_at.setdefault(self.path, []).append(time.time())
                self.send_response(200)
                self.send_header("content-type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        return Handler
