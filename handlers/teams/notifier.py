"""Teams as a notifier: Adaptive Cards posted proactively through the Bot Connector with the Teams SDK.

Where a message goes comes only from what a verified activity taught the server (the tenant's service
URL and the bot's id in the workspace's platform state; people's 1:1 conversations): the bot's token
is never sent anywhere else. Teams bots cannot search a conversation's history, so `find` is
unsupported and each message kind's policy decides about messages a crash left in doubt; nor can a
bot see presence or do-not-disturb without Microsoft Graph, so everyone counts as calm.

The SDK is async and delivery threads are not: one event loop runs in a daemon thread per notifier and
every call is submitted to it. Sends to one conversation are paced under Teams' limits
(`handlers.teams.pacing`), and a 429 is waited out for its Retry-After and tried again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import warnings
from collections.abc import Awaitable, Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import requests
from sqlalchemy.exc import IntegrityError

from bot.config import Settings
from bot.messages.model import Image, Message
from bot.runtime import Runtime
from bot.services.delivery.notifiers import DeliveryFailed, LookUpUnsupported, notifier_registry
from bot.services.workspaces.chat_state import conversation_of, platform_state, remember_conversation
from bot.storage.db import transaction
from bot.storage.tables import Workspace
from handlers.teams.pacing import TENANT_LIMITS, SendGate
from handlers.teams.turns import Turn

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
RATE_LIMIT_RETRIES = 30
# A call's answer is awaited this long (pacing and Retry-After are waited before, not inside; the
# SDK's own HTTP timeout is 15 s). The token is had first, in its own step: MSAL's first request (the
# tenant's discovery) runs inside the SDK's event loop without a timeout, and a login that does not
# answer must read as "nothing sent", not "in doubt".
CALL_TIMEOUT_SECONDS = 60.0
LOGIN_TIMEOUT_SECONDS = 60.0
# The workspace's service URL and bot id are read again after this long (Teams may move a tenant).
TARGET_TTL_SECONDS = 300.0
PERMANENT_STATUSES = {400, 403, 404, 413}
GONE_STATUSES = {403, 404}  # the conversation is not there for the bot (roster, not found)
log = logging.getLogger(__name__)
# Every API client the SDK makes builds its own deprecated bot client, and says so each time.
warnings.filterwarnings("ignore", message="The bot client is deprecated", category=DeprecationWarning)
T = TypeVar("T")
Render = Callable[..., dict]  # render(message, image_url=Callable[[Image], str | None]) -> card JSON
ImageUrl = Callable[[int, Image], "str | None"]


@dataclass(frozen=True)
class Target:
    """Where a workspace's messages go: its service URL (from a verified activity), the bot's id and
    the tenant."""

    service_url: str
    bot_id: str
    tenant: str


class ConnectorRefused(DeliveryFailed):
    """The Bot Connector answered with an error: its HTTP status and Teams' error code."""

    def __init__(self, status: int, code: str) -> None:
        reason = f"Teams answered {status}{f' {code}' if code else ''}"
        if status == 401:
            reason += " (the Bot Connector refused the bot's token)"
        super().__init__(reason, permanent=status in PERMANENT_STATUSES)
        self.status, self.code = status, code


class _LoginFailed(Exception):
    """The bot's own token could not be had (nothing was sent)."""


@notifier_registry.register("teams")
def teams_notifier(settings: Settings, runtime: Runtime) -> TeamsNotifier:
    """The notifier for jobs: every tenant through the one bot of TEAMS_APP_ID."""
    return TeamsNotifier(settings, runtime)


def _default_render(message: Message, *, image_url: Callable[[Image], str | None]) -> dict:
    from handlers.teams.cards import card_json  # the SDK's card models load on first send

    return card_json(message, image_url=image_url)


class TeamsNotifier:
    """Implements bot.services.delivery.notifiers.Notifier with the Teams SDK's Bot Connector client."""

    can_look_up = False

    def __init__(
        self,
        settings: Settings,
        runtime: Runtime,
        *,
        render: Render | None = None,
        image_url: ImageUrl | None = None,
        gate: SendGate | None = None,
    ) -> None:
        self.settings, self.runtime = settings, runtime
        self.render = render or _default_render
        self.image_url = image_url or self._chart_url
        self.gate = gate or SendGate()
        self.tenant_gate = SendGate(limits=TENANT_LIMITS)
        self._token_lock: asyncio.Lock | None = None  # made on the loop, which it belongs to
        self._app: Any = None
        self._apis: dict[str, Any] = {}  # service URL -> the SDK's API client for it
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: threading.Thread | None = None
        self._targets: dict[int, tuple[float, Target]] = {}
        self._people_locks: dict[tuple[int, str], threading.Lock] = {}
        self._lock = threading.Lock()

    # ---- the Notifier protocol ---------------------------------------------------------------------

    def post(self, *, workspace_id: int, channel: str, message: Message, key: str) -> str:
        target = self._target(workspace_id)
        activity = self._activity(workspace_id, message)
        return self._send(target, channel, activity)

    def direct(self, *, workspace_id: int, user_id: str, message: Message, key: str) -> str:
        target = self._target(workspace_id)
        activity = self._activity(workspace_id, message)
        conversation, stored = self._personal(workspace_id, target, user_id)
        try:
            return self._send(target, conversation, activity)
        except ConnectorRefused as refused:
            if not (stored and refused.status in GONE_STATUSES):
                raise
            # The stored 1:1 is gone (the app was removed, then added again): ask for the current one.
            fresh = self._create_personal(workspace_id, target, user_id)
            if fresh == conversation:
                raise
        log.info("a stored 1:1 chat was gone: replaced", extra={"fields": {"workspace": workspace_id}})
        return self._send(target, fresh, activity)

    def update(self, *, workspace_id: int, channel: str, ref: str, message: Message) -> str:
        """Replace the activity `ref` in the conversation `channel` with `message` (PUT)."""
        target = self._target(workspace_id)
        activity = self._activity(workspace_id, message)
        return self._send(target, channel, activity, activity_id=ref)

    def post_to_turn(self, turn: Turn, message: Message) -> str:
        """Answer in a turn's own conversation, at the service URL and as the bot id of that verified
        turn: no database read (a web process tells a person to try again while it is down)."""
        target = Target(turn.service_url, turn.bot_id or f"28:{self.settings.TEAMS_APP_ID}", turn.tenant_id)
        return self._send(target, turn.conversation_id, self._activity(0, message))  # no chart in it

    def find(
        self, *, workspace_id: int, channel: str | None, user_id: str | None, key: str, since: datetime
    ) -> str | None:
        raise LookUpUnsupported("Teams bots cannot search a conversation's history")

    def is_calm(self, *, workspace_id: int, user_id: str, now: datetime) -> bool:
        """Always: a bot sees no presence or do-not-disturb without Microsoft Graph permissions."""
        return True

    # ---- where messages go -----------------------------------------------------------------------------

    def _target(self, workspace_id: int) -> Target:
        """The workspace's service URL and bot id, as the server stored them from a verified activity."""
        cached = self._targets.get(workspace_id)
        if cached and time.monotonic() - cached[0] < TARGET_TTL_SECONDS:
            return cached[1]
        with transaction(self.runtime.sessions) as session:
            workspace = session.get(Workspace, workspace_id)
            if workspace is None:
                raise DeliveryFailed(f"no workspace {workspace_id}", permanent=True)
            state = platform_state(session=session, workspace_id=workspace_id)
            tenant = workspace.external_id
        service_url = state.get("service_url")
        if not service_url:
            raise DeliveryFailed(
                "Teams has not yet sent this tenant a verified activity (no service URL stored): "
                "install Plume or write to it in Teams first",
                permanent=False,
            )
        bot_id = state.get("bot_id") or f"28:{self.settings.TEAMS_APP_ID}"
        target = Target(str(service_url).rstrip("/"), str(bot_id), tenant)
        self._targets[workspace_id] = (time.monotonic(), target)
        return target

    def _personal(self, workspace_id: int, target: Target, user_id: str) -> tuple[str, bool]:
        """The person's 1:1 conversation id, and whether it was already stored (else made now)."""
        with self._lock:
            lock = self._people_locks.setdefault((workspace_id, user_id), threading.Lock())
        with lock:  # one creation per person even when several of their messages go at once
            with transaction(self.runtime.sessions) as session:
                stored = conversation_of(session=session, workspace_id=workspace_id, user_id=user_id)
            if stored:
                return stored, True
            return self._create_personal(workspace_id, target, user_id), False

    def _create_personal(self, workspace_id: int, target: Target, user_id: str) -> str:
        """Ask Teams for the bot's 1:1 with the person (POST /v3/conversations) and remember it."""
        from microsoft_teams.api import Account, CreateConversationParams

        params = CreateConversationParams(
            members=[Account(id=user_id)],
            tenant_id=target.tenant,
            channel_data={"tenant": {"id": target.tenant}},
            isGroup=False,  # extra keys go out as written: camelCase (docs/teams-sdk-notes.md §4)
            bot=Account(id=target.bot_id),
        )
        created = self._call(
            target, target.tenant, lambda api: api.conversations.create(params), gate=self.tenant_gate
        )
        try:
            with transaction(self.runtime.sessions) as session:
                remember_conversation(
                    session=session,
                    workspace_id=workspace_id,
                    user_id=user_id,
                    conversation_id=created.id,
                    now=datetime.now(UTC),
                )
        except IntegrityError:
            pass  # another process stored it first: Teams gives both the same id
        return created.id

    # ---- what is sent -------------------------------------------------------------------------------------

    def _activity(self, workspace_id: int, message: Message) -> Any:
        """The message as a card attachment; its fallback is the notification's summary."""
        from microsoft_teams.api import Attachment, MessageActivityInput

        card = self.render(message, image_url=lambda image: self.image_url(workspace_id, image))
        return MessageActivityInput(
            summary=summary_text(message),
            attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)],
        )

    def _chart_url(self, workspace_id: int, image: Image) -> str | None:
        from handlers.teams.charts import chart_url  # lands beside this module; imported when first used

        return chart_url(self.settings, workspace_id, image, datetime.now(UTC))

    def _send(self, target: Target, conversation: str, activity: Any, activity_id: str | None = None) -> str:
        """POST (or PUT over `activity_id`) the activity to the conversation; its activity id."""
        from microsoft_teams.api import Account, ConversationAccount

        activity = activity.model_copy(deep=True)
        activity.from_ = Account(id=target.bot_id)
        activity.conversation = ConversationAccount(id=conversation)

        async def send(api: Any) -> Any:
            if activity_id is None:
                return await api.conversations.create_activity(conversation, activity)
            return await api.conversations.update_activity(conversation, activity_id, activity)

        sent = self._call(target, (target.service_url, conversation), send)
        return str(sent.id or activity_id)

    # ---- calling Teams ------------------------------------------------------------------------------------

    def _call(
        self,
        target: Target,
        pace_key: Any,
        make: Callable[[Any], Awaitable[T]],
        gate: SendGate | None = None,
    ) -> T:
        """Run `make(api)` on the loop, paced by `gate` (the conversations' by default); wait out 429s;
        map refusals to DeliveryFailed. A dropped connection or a timeout raises as is: the message may
        have arrived."""
        gate = gate or self.gate
        for _attempt in range(RATE_LIMIT_RETRIES + 1):
            self._login()  # before taking a place in the pace
            slot = gate.acquire(pace_key)
            try:
                return self._run(self._with_api(target.service_url, make))
            except httpx.HTTPStatusError as exc:
                response = exc.response
                if response.status_code != 429:
                    raise _refusal(response) from None
                gate.hold(pace_key, _retry_after(response))
            finally:
                gate.release(slot)
        raise DeliveryFailed(f"Teams still rate-limited after {RATE_LIMIT_RETRIES} retries", permanent=False)

    def _login(self) -> None:
        """Have the bot's token (MSAL's cache: a request only when it expires), or fail knowing that
        nothing was sent."""
        try:
            self._run(self._token(), LOGIN_TIMEOUT_SECONDS)
        except _LoginFailed as exc:
            raise DeliveryFailed(str(exc), permanent=False) from None
        except TimeoutError:
            login = self.settings.TEAMS_LOGIN_URL
            raise DeliveryFailed(f"{login} did not answer the bot's token request", permanent=False) from None

    async def _token(self) -> None:
        app = self._sdk_app()
        if self._token_lock is None:
            self._token_lock = asyncio.Lock()
        try:
            async with self._token_lock:  # one request when the token is missing, not one per thread
                await app.token_provider.get_app_token()
        except (requests.RequestException, ValueError, OSError) as exc:
            login = self.settings.TEAMS_LOGIN_URL
            raise _LoginFailed(f"could not get the bot's token from {login}: {exc}") from exc

    async def _with_api(self, service_url: str, make: Callable[[Any], Awaitable[T]]) -> T:
        return await make(self._api(service_url))

    def _run(self, coroutine: Awaitable[T], timeout: float = CALL_TIMEOUT_SECONDS) -> T:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._event_loop())  # type: ignore[arg-type]
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            raise TimeoutError(f"Teams did not answer within {timeout:g} s") from None

    def _sdk_app(self) -> Any:
        """The SDK's App, built on first use (on the loop's thread; importing the SDK takes seconds,
        which a CLI command that sends nothing to Teams should not pay)."""
        from handlers.teams.sdk import TeamsNotConfigured, build_teams_app, teams_configured

        if self._app is None:
            if not teams_configured(self.settings):
                raise _LoginFailed("Teams is not configured: set TEAMS_APP_ID and TEAMS_APP_PASSWORD")
            try:
                self._app = build_teams_app(self.settings)
            except TeamsNotConfigured as exc:
                raise _LoginFailed(str(exc)) from exc
        return self._app

    def _api(self, service_url: str) -> Any:
        """The SDK's API client for a service URL (made on the loop's thread, once per URL)."""
        if service_url not in self._apis:
            self._apis[service_url] = self._sdk_app().api.from_service_url(service_url)
        return self._apis[service_url]

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        """The notifier's event loop, running in its daemon thread (started on first use)."""
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="teams-notifier", daemon=True)
                thread.start()
                self._loop, self._loop_thread = loop, thread
            return self._loop

    def close(self) -> None:
        """Stop the event loop and its thread (tests; a worker keeps its notifier for its life)."""
        with self._lock:
            loop, thread = self._loop, self._loop_thread
            self._loop = self._loop_thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        if not thread.is_alive():
            loop.close()

    def __enter__(self) -> TeamsNotifier:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def summary_text(message: Message) -> str:
    """The notification's summary: the card's own fallback text (one plain rendering of a message)."""
    from handlers.teams.cards import fallback_text

    return fallback_text(message)


def _retry_after(response: httpx.Response) -> float:
    """Teams' Retry-After in seconds (1 when missing or unreadable)."""
    try:
        return max(0.0, float(response.headers.get("retry-after", "1")))
    except ValueError:
        return 1.0


def _refusal(response: httpx.Response) -> ConnectorRefused:
    """A Bot Connector refusal: for good when the conversation or message is refused (roster, not
    found, too big, malformed), for now when it may pass (auth, 5xx)."""
    try:
        error = response.json().get("error") or {}
        code = str(error.get("code") or "")
    except (ValueError, AttributeError):
        code = ""
    return ConnectorRefused(response.status_code, code)
