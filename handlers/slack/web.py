"""HTTP serving: POST /slack/events, GET /healthz, and OAuth routes; waitress in production."""

from __future__ import annotations

import json
import logging
import signal
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.config import Settings
from bot.runtime import Runtime, open_runtime
from handlers.slack.app import build_app
from handlers.slack.commands import answer_job
from handlers.slack.offload import CommandRunner

log = logging.getLogger(__name__)


def create_wsgi(settings: Settings, runtime: Runtime | None = None, **app_options: Any) -> Callable:
    """The WSGI application: Slack routes to Bolt, /healthz answered here."""
    runtime = runtime or open_runtime(settings)
    bolt = SlackRequestHandler(build_app(settings, runtime, **app_options))

    def application(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            return _health(runtime, start_response)
        return bolt(environ, start_response)

    return application


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
    """Serve on $PORT with waitress (a production WSGI server)."""
    from waitress import serve as waitress_serve

    log.info("serving", extra={"fields": {"port": settings.PORT}})
    pool = CommandRunner(answer_job, settings.LOG_LEVEL)
    signal.signal(signal.SIGTERM, _stop)  # a platform restart: finish queued commands, stop the child
    try:
        waitress_serve(
            create_wsgi(settings, command_pool=pool), host=host, port=settings.PORT, threads=16, ident="plume"
        )
    finally:
        pool.shutdown()


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
