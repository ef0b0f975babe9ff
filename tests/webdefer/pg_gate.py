"""A TCP forwarder on loopback in front of the test PostgreSQL that can be taken down and brought
back, as a database restart or a network cut looks to its clients: while down, every connection
(open or new) is cut at once."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Self

from sqlalchemy.engine import make_url


class PgGate:
    """`url` is the database URL through the gate; `down()` cuts, `up()` forwards again."""

    def __init__(self, database_url: str) -> None:
        parsed = make_url(database_url)
        self._target = (parsed.host or "127.0.0.1", parsed.port or 5432)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = parsed.set(host="127.0.0.1", port=self._listener.getsockname()[1]).render_as_string(
            hide_password=False
        )
        self._open = True
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        threading.Thread(target=self._accept, name="pg-gate", daemon=True).start()

    def down(self) -> None:
        """Cut every connection, and every new one until `up()`."""
        with self._lock:
            self._open = False
            for sock in list(self._sockets):
                _cut(sock)
            self._sockets.clear()

    def up(self) -> None:
        with self._lock:
            self._open = True

    def close(self) -> None:
        self.down()
        self._listener.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if not self._open:
                    _cut(client)
                    continue
            try:
                server = socket.create_connection(self._target, timeout=5)
                server.settimeout(None)
            except OSError:
                _cut(client)
                continue
            with self._lock:
                self._sockets |= {client, server}
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    _cut(sink)


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
