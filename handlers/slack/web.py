"""HTTP serving: POST /slack/events, GET /healthz, and OAuth routes; waitress in production."""

from __future__ import annotations

import json
import logging
import signal
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text
from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

import bot.platforms  # noqa: F401  registers every platform's notifier (sign-in confirmations)
from bot.commands.context import utc_now
from bot.config import Settings
from bot.runtime import Runtime, open_runtime
from bot.services.delivery.notifiers import Notifiers, notifier_registry
from bot.web.x_pages import PATHS as X_PATHS
from bot.web.x_pages import x_signin_page
from handlers.slack.app import build_app
from handlers.slack.front import guard_events, log_refusal, refuse
from handlers.slack.queueing import slack_handover

log = logging.getLogger(__name__)


# What building a Bolt request raises on a body of the wrong shape (a decode error is a ValueError).
UNREADABLE = (ValueError, TypeError, AttributeError, KeyError, IndexError)


def create_wsgi(
    settings: Settings,
    runtime: Runtime | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    **app_options: Any,
) -> Callable:
    """The WSGI application: Slack routes to Bolt; /healthz and Sign in with X's pages answered here."""
    runtime = runtime or open_runtime(settings)
    app = build_app(settings, runtime, **app_options)  # refuses to start without a signing secret
    bolt = SlackRequestHandler(app)
    notifiers = notifier_registry.build(settings, runtime)  # every platform's: a person may be on Teams

    def application(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            return _health(runtime, start_response)
        if environ.get("PATH_INFO") in X_PATHS:
            return _x_signin(settings, runtime, notifiers, clock(), environ, start_response)
        try:
            return bolt(environ, start_response)
        except UNREADABLE:
            # Bolt's adapter decodes and parses the body while building its request, before its
            # listeners and error handler exist: a body it cannot read raises here, and would be a 500.
            # (Signed /slack/events bodies reach this; unsigned ones were refused by the front.)
            return refuse(environ, start_response, "400 Bad Request", "unreadable_body")

    secret = settings.SLACK_SIGNING_SECRET.get_secret_value() if settings.SLACK_SIGNING_SECRET else ""
    return guard_events(application, secret, settings.PLUME_MAX_BODY_BYTES)


def _x_signin(
    settings: Settings,
    runtime: Runtime,
    notifiers: Notifiers,
    now: datetime,
    environ: dict[str, Any],
    start_response: Callable,
) -> Iterable[bytes]:
    """A browser on /x/connect or /x/callback (not Slack: unsigned, like /healthz)."""
    answer = x_signin_page(
        settings,
        runtime,
        method=environ.get("REQUEST_METHOD", ""),
        path=environ.get("PATH_INFO", ""),
        query=environ.get("QUERY_STRING", ""),
        cookie_header=environ.get("HTTP_COOKIE", ""),
        now=now,
        notifiers=notifiers,
    )
    start_response(answer.status_line, [*answer.headers, ("Content-Length", str(len(answer.body)))])
    return [answer.body]


def _health(runtime: Runtime, start_response: Callable) -> Iterable[bytes]:
    """200 when the database answers, 503 otherwise."""
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        status, body = "200 OK", {"ok": True, "database": "ok"}
    except Exception as exc:  # any database failure is "not healthy", never a 500 page
        log.warning("health check failed: %s", type(exc).__name__)
        status, body = "503 Service Unavailable", {"ok": False, "database": "unreachable"}
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def serve(settings: Settings, host: str = "0.0.0.0") -> None:
    """Serve on $PORT with waitress (a production WSGI server), with the limits of `waitress_limits`."""
    from waitress.server import BaseWSGIServer, create_server

    log.info("serving", extra={"fields": {"port": settings.PORT}})
    # The command process, or (procrastinate engine) a Deferrer onto the job queue's "commands".
    pool = slack_handover(settings)
    signal.signal(signal.SIGTERM, _stop)  # a platform restart: finish queued commands, stop the child
    try:
        sockets: dict = {}
        server = create_server(
            create_wsgi(settings, command_pool=pool),
            map=sockets,
            host=host,
            port=settings.PORT,
            ident="plume",
            **waitress_limits(settings),
        )
        for listener in sockets.values():
            if isinstance(listener, BaseWSGIServer):
                listener.channel_class = LoggedChannel  # waitress's own refusals get our log line
        server.run()
    finally:
        pool.shutdown()


def waitress_limits(settings: Settings) -> dict[str, int]:
    """waitress's limits, all explicit. waitress reads a whole request (headers and body) in its
    event loop before a worker thread sees it, so a slow or silent client holds a socket, never one
    of the `threads`; `channel_timeout` closes it after that many silent seconds (an incomplete
    request: that many seconds after its first byte, see `LoggedChannel`), checked every
    `cleanup_interval`. `max_request_body_size` refuses with 413 when Content-Length is over the cap,
    before reading the body, and cuts a chunked body at the cap (waitress refuses a length equal to
    it, hence the +1). Bodies over `inbuf_overflow` wait in a temporary file, not in memory."""
    timeout = settings.PLUME_CHANNEL_TIMEOUT
    return {
        "threads": settings.PLUME_WEB_THREADS,
        "connection_limit": settings.PLUME_CONNECTION_LIMIT,
        "channel_timeout": timeout,
        "cleanup_interval": max(1, min(30, timeout // 2)),
        "max_request_body_size": settings.PLUME_MAX_BODY_BYTES + 1,
        "max_request_header_size": 64 * 1024,  # Slack sends a dozen short headers
        "inbuf_overflow": 512 * 1024,
    }


class LoggedErrorTask(ErrorTask):
    """waitress's own error answer (413 over the cap, 400 unparsable, 431 headers too large), plus
    the front's one WARNING line, so every refused request is logged the same way."""

    def execute(self) -> None:
        request, error = self.request, self.request.error
        log_refusal(
            reason=_WAITRESS_REASONS.get(error.code, "server_error"),
            status=error.code,
            path=getattr(request, "path", ""),
            content_length=request.headers.get("CONTENT_LENGTH", "chunked" if request.chunked else 0),
            remote=self.channel.addr[0] if self.channel.addr else "",
        )
        super().execute()


_WAITRESS_REASONS = {
    400: "bad_request",
    413: "body_too_large",
    431: "headers_too_large",
    501: "not_implemented",
}


class LoggedChannel(HTTPChannel):
    """waitress's connection, with `LoggedErrorTask` for the requests it refuses itself, and
    `channel_timeout` counted from a request's first byte rather than its latest one."""

    error_task_class = LoggedErrorTask
    request_started = 0.0

    def received(self, data: bytes) -> bool:
        """waitress refreshes `last_activity` on every read, so a client trickling a byte every few
        seconds would keep its socket for ever. While a request is incomplete, its activity is pinned
        to when it began: waitress's clean-up then closes it `channel_timeout` after its first byte."""
        pending = self.request
        done = super().received(data)
        if self.request is not None:
            if self.request is not pending:
                self.request_started = time.time()
            self.last_activity = self.request_started
        return done


def _stop(signum, _frame) -> None:
    """SIGTERM ends waitress's loop the way Ctrl-C does, so `serve`'s cleanup runs."""
    log.info("stopping", extra={"fields": {"signal": signum}})
    raise KeyboardInterrupt


def socket_mode(settings: Settings) -> None:
    """Socket Mode for local development (needs SLACK_APP_TOKEN)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.errors import ConfigError

    if settings.SLACK_APP_TOKEN is None:
        raise ConfigError("Bad setting SLACK_APP_TOKEN: Socket Mode needs an app-level token (xapp-…).")
    app = build_app(settings, open_runtime(settings))
    SocketModeHandler(app, settings.SLACK_APP_TOKEN.get_secret_value()).start()
