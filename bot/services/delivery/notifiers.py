"""What delivery needs from a chat platform, and the registry that finds each workspace's notifier.

Platforms register a factory under their `Workspace.platform` key (like Sentry's provider registry);
the composition root (`bot.platforms`) imports them and builds one `Notifiers` per settings, so one
job run serves Slack and Teams workspaces alike. A workspace whose platform has no notifier is logged
and skipped, never a crash.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import PlumeError
from bot.messages.model import Message
from bot.storage.db import transaction
from bot.storage.tables import Workspace

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


class DeliveryFailed(PlumeError):
    """The platform refused the message (it answered: the message is not there). `permanent` failures
    (archived channel, bot not in it) are reported once and never retried; the others are retried by
    the next run. A notifier that cannot tell (a dropped connection) raises something else."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class LookUpUnsupported(PlumeError):
    """`find` on a notifier that cannot look a message up: callers check `can_look_up` first, so a
    None from `find` always means "not there", never "cannot tell"."""


class Notifier(Protocol):
    """What delivery needs from a chat platform (Slack now, Teams next).

    `can_look_up` says whether `find` can tell if a message was accepted (Slack: one narrow history
    call; Teams bots cannot search history). Without it, each message kind's policy applies
    (`bot.services.delivery.sending`). Rate limits are waited out inside (Retry-After); a refusal
    raises DeliveryFailed."""

    can_look_up: bool

    def post(self, *, workspace_id: int, channel: str, message: Message, key: str) -> str: ...

    def direct(self, *, workspace_id: int, user_id: str, message: Message, key: str) -> str: ...

    def update(self, *, workspace_id: int, channel: str, ref: str, message: Message) -> str: ...

    def find(
        self, *, workspace_id: int, channel: str | None, user_id: str | None, key: str, since: datetime
    ) -> str | None: ...

    def is_calm(self, *, workspace_id: int, user_id: str, now: datetime) -> bool: ...


NotifierFactory = Callable[["Settings", "Runtime"], Notifier]
F = TypeVar("F", bound=NotifierFactory)


class NotifierRegistry:
    """Notifier factories by platform key (`Workspace.platform`)."""

    def __init__(self) -> None:
        self._factories: dict[str, NotifierFactory] = {}

    def register(self, platform: str) -> Callable[[F], F]:
        """Decorator: `factory(settings, runtime)` builds the notifier of `platform`'s workspaces."""

        def add(factory: F) -> F:
            self._factories[platform] = factory
            return factory

        return add

    def platforms(self) -> list[str]:
        """The platform keys with a factory."""
        return sorted(self._factories)

    def build(self, settings: Settings, runtime: Runtime) -> Notifiers:
        """Every registered platform's notifier, each built on first use."""
        makers = {key: (lambda f=factory: f(settings, runtime)) for key, factory in self._factories.items()}
        return Notifiers(runtime.sessions, makers)


# Platform packages register here; only the composition root imports them (bot.platforms).
notifier_registry = NotifierRegistry()


class Notifiers:
    """The notifier of each workspace, by its platform; each platform's built once (thread-safe)."""

    def __init__(self, sessions: sessionmaker[Session], makers: dict[str, Callable[[], Notifier]]) -> None:
        self._sessions, self._makers = sessions, makers
        self._built: dict[str, Notifier] = {}
        self._platform_of: dict[int, str] = {}
        self._lock = threading.Lock()

    @classmethod
    def fixed(cls, sessions: sessionmaker[Session], **by_platform: Notifier) -> Notifiers:
        """Notifiers already built (tests, benchmarks): `Notifiers.fixed(sessions, slack=notifier)`."""
        return cls(sessions, {key: (lambda n=notifier: n) for key, notifier in by_platform.items()})

    def served(self, workspace_ids: Iterable[int]) -> list[int]:
        """Those of these workspaces whose platform has a notifier (one query); the others are logged."""
        ids = list(workspace_ids)
        with transaction(self._sessions) as session:
            rows = session.execute(select(Workspace.id, Workspace.platform).where(Workspace.id.in_(ids)))
            self._platform_of.update({wid: platform for wid, platform in rows})
        kept = [wid for wid in ids if self._platform_of.get(wid) in self._makers]
        for wid in sorted(set(ids) - set(kept)):
            log.warning(
                "no notifier for this platform: skipped",
                extra={"fields": {"workspace": wid, "platform": self._platform_of.get(wid)}},
            )
        return kept

    def notifier_for(self, workspace_id: int) -> Notifier | None:
        """The notifier of this workspace's platform, or None when no platform package serves it."""
        if workspace_id not in self._platform_of:
            self.served([workspace_id])
        platform = self._platform_of.get(workspace_id)
        if platform not in self._makers:
            return None
        with self._lock:  # many sending threads ask at once: build each platform's notifier once
            if platform not in self._built:
                self._built[platform] = self._makers[platform]()
            return self._built[platform]
