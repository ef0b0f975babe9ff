"""`python -m bot teams`: Teams on its own ASGI server. POST /api/messages (Bot Framework activities,
through the SDK), GET /healthz, GET /charts/<token>.png and GET /exports/<token>.csv (signed links),
and Sign in with X's GET /x/connect and /x/callback. Plume builds the FastAPI app and runs uvicorn
itself, with every option explicit (the SDK's own server binds 0.0.0.0 on $PORT)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from bot.config import Settings
from bot.jobs.deferral import Handover
from bot.runtime import Runtime, open_runtime
from bot.services.delivery.notifiers import Notifier, notifier_registry
from bot.web.x_pages import x_signin_page
from handlers.teams.charts import charts_router
from handlers.teams.context import TeamsDeps
from handlers.teams.downloads import exports_router
from handlers.teams.front import GuardedAdapter
from handlers.teams.listeners import register
from handlers.teams.offload import teams_handover
from handlers.teams.sdk import build_teams_app, inbound_validator

log = logging.getLogger(__name__)
# Shutdown waits this long for turns already handed over: under the 30 s most supervisors give a
# process between SIGTERM and SIGKILL, with the server's own graceful close beside it.
DRAIN_SECONDS = 20.0


def create_asgi(
    settings: Settings, offload: Handover, runtime: Runtime | None = None, notifier: Notifier | None = None
) -> FastAPI:
    """The ASGI app: the SDK's messaging route behind Plume's front, health, and chart images. Turns
    are answered through `offload` (the command process, or the job queue); card buttons here."""
    runtime = runtime or open_runtime(settings)
    if notifier is None:
        from handlers.teams.notifier import TeamsNotifier

        notifier = TeamsNotifier(settings, runtime)
    deps = TeamsDeps(runtime=runtime, settings=settings, notifier=notifier)
    api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    adapter = GuardedAdapter(api, settings.PLUME_MAX_BODY_BYTES, inbound_validator(settings))
    teams = build_teams_app(settings, adapter)
    register(teams, deps, offload)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await teams.initialize()  # registers POST /api/messages through the adapter; starts nothing
        yield
        deps.pool.shutdown(wait=True)

    api.router.lifespan_context = lifespan

    @api.get("/healthz")
    async def healthz() -> JSONResponse:
        ok = await asyncio.get_running_loop().run_in_executor(deps.pool, _database_answers, runtime)
        body = {"ok": ok, "database": "ok" if ok else "unreachable"}
        return JSONResponse(body, status_code=200 if ok else 503)

    api.include_router(charts_router(settings))
    api.include_router(exports_router(settings, runtime))
    api.include_router(x_signin_router(settings, runtime, deps.pool, deps.clock))
    return api


def x_signin_router(settings: Settings, runtime: Runtime, pool, clock) -> APIRouter:
    """GET /x/connect and /x/callback (Sign in with X), the same pages as on Slack's server: a person
    may reach either, so the confirmation goes through every platform's notifier."""
    notifiers = notifier_registry.build(settings, runtime)
    router = APIRouter()

    @router.api_route("/x/{page}", methods=["GET", "HEAD", "POST", "PUT", "DELETE"], include_in_schema=False)
    async def x_page(request: Request) -> Response:
        def answer():
            return x_signin_page(
                settings,
                runtime,
                method=request.method,
                path=request.url.path,
                query=request.url.query,
                cookie_header=request.headers.get("cookie", ""),
                now=clock(),
                notifiers=notifiers,
            )

        page = await asyncio.get_running_loop().run_in_executor(pool, answer)
        response = Response(page.body, status_code=page.status)
        for name, value in page.headers:
            response.headers.append(name, value)
        return response

    return router


def _database_answers(runtime: Runtime) -> bool:
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # any database failure is "not healthy", never a 500
        log.warning("health check failed: %s", type(exc).__name__)
        return False




def serve(settings: Settings, host: str = "0.0.0.0") -> None:
    """Serve Teams on $TEAMS_PORT with uvicorn, every option explicit; turns are answered in the
    command process (bot.jobs.child), stopped after the server (queued turns are finished first); on
    the procrastinate engine they are jobs on queue "commands", answered by any worker."""
    offload = teams_handover(settings)
    config = uvicorn.Config(
        create_asgi(settings, offload),
        host=host,
        port=settings.TEAMS_PORT,
        loop="asyncio",
        http="h11",
        lifespan="on",
        log_config=None,  # Plume's logging (bot/logs.py) is already set up
        access_log=False,
        proxy_headers=False,
        server_header=False,
        limit_concurrency=settings.PLUME_CONNECTION_LIMIT,
        timeout_keep_alive=settings.PLUME_CHANNEL_TIMEOUT,
        timeout_graceful_shutdown=30,
        h11_max_incomplete_event_size=64 * 1024,
    )
    log.info("serving teams", extra={"fields": {"port": settings.TEAMS_PORT}})
    try:
        uvicorn.Server(config).run()
    finally:
        offload.shutdown(timeout=DRAIN_SECONDS)
