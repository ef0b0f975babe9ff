"""The front of POST /api/messages: what reaches the SDK is a JSON object of bounded size, and what
comes back is never a 500.

The SDK's own FastAPI adapter parses the body with `request.json()` (a body that is not JSON becomes
an HTTP 500) and reads any length. This adapter refuses an oversized body with 413 before reading it
all, anything but a JSON object with 400, then checks the token with the SDK's own validator (401)
before anything else about the activity is believed, then parses the activity with the SDK's models
(400 when they refuse it: they require `recipient` and `conversation`, say). The SDK would answer such
an activity 500 (Bot Framework retries 5xx, and a malformed activity will not get better) and log
pydantic's error at ERROR, with a traceback and the offending values from the body.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from handlers.teams.sdk import (
    ActivityTypeAdapter,
    CoreActivity,
    HttpServerAdapter,
    InboundActivityTokenValidator,
)

log = logging.getLogger(__name__)


class TooLarge(Exception):
    """The body is over the cap."""


def refuse(status: int, reason: str, request: Request) -> Response:
    """One WARNING line per refused request (no body, no header values), and a short JSON answer."""
    log.warning(
        "msg=refused reason=%s",
        reason,
        extra={"fields": {"status": status, "path": request.url.path, "reason": reason}},
    )
    return JSONResponse({"error": reason}, status_code=status)


async def read_capped(request: Request, limit: int) -> bytes:
    """The body, read in chunks and abandoned as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge
    return bytes(body)


async def verified(validator: InboundActivityTokenValidator, body: dict, authorization: str) -> bool:
    """The activity's Bot Framework token verifies, for this bot and the activity's service URL."""
    if not authorization.startswith("Bearer "):
        return False
    service_url = body.get("serviceUrl")
    try:
        await validator.validate_token(authorization.removeprefix("Bearer "), service_url)
    except Exception:  # any failure is "not verified"; the reason would echo the token's claims
        return False
    return True


def parses(body: dict) -> bool:
    """The SDK's models accept the activity (as it parses it: core fields first, then its type)."""
    try:
        core = CoreActivity.model_validate(body)
        ActivityTypeAdapter.validate_python(core.model_dump(by_alias=True, exclude_none=True))
    except (ValidationError, ValueError, TypeError):
        return False
    return True


class GuardedAdapter(HttpServerAdapter):
    """The SDK's HttpServerAdapter on Plume's FastAPI app, with the limits above."""

    def __init__(self, api: FastAPI, max_body_bytes: int, validator: InboundActivityTokenValidator) -> None:
        self.api, self.max_body_bytes, self.validator = api, max_body_bytes, validator

    def register_route(self, method: str, path: str, handler: Any) -> None:
        async def endpoint(request: Request) -> Response:
            try:
                raw = await read_capped(request, self.max_body_bytes)
            except TooLarge:
                return refuse(413, "body_too_large", request)
            try:
                body = json.loads(raw)
            except (ValueError, RecursionError):
                return refuse(400, "unreadable_body", request)
            if not isinstance(body, dict):
                return refuse(400, "not_an_activity", request)
            if not await verified(self.validator, body, request.headers.get("authorization", "")):
                return refuse(401, "unauthorized", request)
            if not parses(body):
                return refuse(400, "unusable_activity", request)
            result = await handler({"body": body, "headers": dict(request.headers)})
            status, content = result["status"], result.get("body")
            if status >= 500:
                return refuse(400, "unusable_activity", request)
            if status == 401:
                return refuse(401, "unauthorized", request)
            return Response(status_code=status) if content is None else JSONResponse(content, status)

        self.api.add_api_route(path, endpoint, methods=[method])

    def serve_static(self, path: str, directory: str) -> None:
        raise NotImplementedError("Plume serves no static files from the SDK")

    async def start(self, port: int) -> None:
        raise NotImplementedError("Plume runs uvicorn itself (handlers/teams/server.py)")

    async def stop(self) -> None:
        return None
