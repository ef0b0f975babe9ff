"""Bolt's authorization from the installation store (multi-workspace OAuth), that still acks while the
database is unreachable. Bolt reads a workspace's installation before any listener runs: with the
database down it raised, the error handler answered 200, and the slash command was lost without ever
reaching the Deferrer that would have kept it (bot.jobs.deferral). So each workspace's last answer
is remembered in memory, and used only when the store fails: an answer from the database always wins
(an uninstall, a new token), and a workspace this process has not seen since it started still fails
during an outage (logged, as before)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)


class RememberingAuthorize(InstallationStoreAuthorize):
    """InstallationStoreAuthorize with each workspace's last result as a fallback for a failed store."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._last: dict[tuple[str | None, str | None], AuthorizeResult] = {}
        self._lock = threading.Lock()

    def __call__(self, **request: Any) -> AuthorizeResult | None:
        # By workspace: Plume asks for bot scopes only, so every member's result is the bot's.
        key = (request.get("enterprise_id"), request.get("team_id"))
        try:
            result = super().__call__(**request)
        except SQLAlchemyError as exc:
            with self._lock:
                remembered = self._last.get(key)
            if remembered is None:
                raise
            log.warning(
                "installation store unreachable: last known authorization used",
                extra={"fields": {"team": key[1], "error": type(exc).__name__}},
            )
            return remembered
        with self._lock:
            if result is None:
                self._last.pop(key, None)
            else:
                self._last[key] = result
        return result
