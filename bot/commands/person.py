"""A person's own commands: join, leave, forget, me, hours, nudges, topics, highlights, recap, export.

Each takes the parsed command, the chat context and the core's dependencies, and returns a neutral
message; every read and write is scoped by the caller's workspace and platform user id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.commands import grammar as g
from bot.commands.consent import join_consent, stored_consent
from bot.commands.context import ChatContext, CoreDeps
from bot.errors import PlumeError
from bot.messages.action_ids import ActionId
from bot.messages.model import Message
from bot.messages.replies import (
    confirm_message,
    help_message,
    joined_message,
    notice,
    nudge_log_message,
    week_message,
)
from bot.messages.text import Text, hint, text
from bot.messages.x_signin import connect_message
from bot.metrics.weeks import week_label
from bot.services.people import membership as people
from bot.services.people.ambassadors import schedule_of
from bot.services.people.export import export_csv
from bot.services.people.x_signin import STATE_TTL, start_signin
from bot.services.reports.stats import week_stats
from bot.services.workspaces.settings import workspace_settings
from bot.sources.x_oauth import connect_url
from bot.storage.db import transaction
from bot.storage.tables import Workspace

Handler = Callable[[Any, ChatContext, CoreDeps], Message]


def do_help(_: g.Help, ctx: ChatContext, deps: CoreDeps) -> Message:
    return help_message(g.help_lines(ctx.words.help_changes))


def join_with_consent(
    ctx: ChatContext, deps: CoreDeps, handle: str, consent: Callable[[str, int], Text]
) -> Message:
    """Opt the caller in: the wording shown is the consent recorded, as they read it on their platform.
    Used by `join` and by accepting an admin's invitation. With Sign in with X set up, nothing is
    tracked yet: the reply carries the button to sign in, and the callback links the account."""
    handle = handle.lstrip("@")
    tz = ctx.timezone() or "UTC"
    with transaction(deps.runtime.sessions) as session:
        settings = workspace_settings(session.get(Workspace, ctx.workspace_id))
        wording = consent(handle, settings["min_group_size"])
        stored = stored_consent(wording, ctx.command_prefix)
        if deps.settings.x_signin_configured:
            return _connect_reply(session, ctx, deps, handle, tz, stored, wording)
        if settings["require_verified_x"] and not people.is_member(
            session=session, workspace_id=ctx.workspace_id, chat_user_id=ctx.user_id
        ):
            raise PlumeError(SIGNIN_REQUIRED)
        amb = people.join(
            session=session,
            workspace_id=ctx.workspace_id,
            chat_user_id=ctx.user_id,
            handle=handle,
            tz=tz,
            consent_text=stored,
        )
        archive_mb = deps.settings.PLUME_MAX_ARCHIVE_BYTES // 2**20
        return joined_message(amb.x_account.handle, schedule_of(amb), wording, archive_mb)


SIGNIN_REQUIRED = (
    "This program asks people to sign in to X to join, and Sign in with X is not set up on this "
    "Plume (X_CLIENT_ID). Ask your program admin."
)


def _connect_reply(
    session: Session, ctx: ChatContext, deps: CoreDeps, handle: str, tz: str, stored: str, wording: Text
) -> Message:
    """A pending sign-in for the caller, and the reply with its button."""
    name = people.check_can_switch_to(
        session=session, workspace_id=ctx.workspace_id, chat_user_id=ctx.user_id, handle=handle
    )
    state = start_signin(
        session=session,
        workspace_id=ctx.workspace_id,
        platform=ctx.platform,
        chat_user_id=ctx.user_id,
        handle=name,
        tz=tz,
        consent_text=stored,
        now=deps.clock(),
    )
    minutes = int(STATE_TTL.total_seconds() // 60)
    return connect_message(name, wording, connect_url(deps.settings, state), minutes)


def do_join(cmd: g.Join, ctx: ChatContext, deps: CoreDeps) -> Message:
    """Self opt-in."""
    return join_with_consent(ctx, deps, cmd.handle, join_consent)


def _confirm(what: str, action_id: ActionId, ctx: ChatContext, deps: CoreDeps) -> Message:
    with transaction(deps.runtime.sessions) as session:
        amb = people.me(session=session, workspace_id=ctx.workspace_id, chat_user_id=ctx.user_id)
        return confirm_message(what, action_id, amb.x_account.handle)


def do_leave(_: g.Leave, ctx: ChatContext, deps: CoreDeps) -> Message:
    return _confirm("Leave Plume", ActionId.LEAVE_CONFIRM, ctx, deps)


def do_forget(_: g.Forget, ctx: ChatContext, deps: CoreDeps) -> Message:
    return _confirm("Forget me", ActionId.FORGET_CONFIRM, ctx, deps)


def do_me(cmd: g.Me, ctx: ChatContext, deps: CoreDeps) -> Message:
    """The caller's own week (default: the current one in their zone) beside their baseline."""
    with transaction(deps.runtime.sessions) as session:
        amb = people.me(session=session, workspace_id=ctx.workspace_id, chat_user_id=ctx.user_id)
        week = cmd.week or week_label(deps.clock().astimezone(ZoneInfo(amb.timezone)).date())
        report = week_stats(
            session=session, workspace_id=ctx.workspace_id, handle=amb.x_account.handle, week_text=week
        )
    return week_message(report)


def do_hours(cmd: g.Hours, ctx: ChatContext, deps: CoreDeps) -> Message:
    with transaction(deps.runtime.sessions) as session:
        schedule = people.set_hours(
            session=session,
            workspace_id=ctx.workspace_id,
            chat_user_id=ctx.user_id,
            start=cmd.start_minute,
            end=cmd.end_minute,
            days=cmd.days,
            tz=cmd.tz,
        )
    return notice(
        "Work hours saved",
        f"{schedule.hours_text} {schedule.days_text}, {schedule.tz}. "
        "Figures are computed against these from now on.",
    )


def do_nudges(cmd: g.Nudges, ctx: ChatContext, deps: CoreDeps) -> Message:
    with transaction(deps.runtime.sessions) as session:
        if cmd.action == "log":
            logs = people.nudge_history(
                session=session, workspace_id=ctx.workspace_id, chat_user_id=ctx.user_id
            )
            return nudge_log_message(
                [
                    (
                        n.claimed_at.strftime("%Y-%m-%d %H:%M UTC"),
                        n.rule,
                        ", ".join(f"{k} {v}" for k, v in (n.numbers or {}).items()),
                    )
                    for n in logs
                ]
            )
        amb = people.set_nudges(
            session=session,
            workspace_id=ctx.workspace_id,
            chat_user_id=ctx.user_id,
            action=cmd.action,
            days=cmd.days,
            now=deps.clock(),
        )
        if cmd.action == "snooze":
            return notice("Nudges snoozed", f"No nudges until {amb.nudges_snoozed_until:%Y-%m-%d}.")
        change = text("You can change this any time with ", hint("nudges on|off"), ".")
        return notice("Nudges " + cmd.action, change)


def do_topics(cmd: g.Topics, ctx: ChatContext, deps: CoreDeps) -> Message:
    with transaction(deps.runtime.sessions) as session:
        topics = people.change_topics(
            session=session,
            workspace_id=ctx.workspace_id,
            chat_user_id=ctx.user_id,
            action=cmd.action,
            topics=cmd.topics,
        )
    return notice("Your topics", ", ".join(topics) if topics else "No topics declared yet.")


def do_preference(name: str, label: str) -> Handler:
    """A switch of one of the caller's preferences (highlights, recap)."""

    def handler(cmd: Any, ctx: ChatContext, deps: CoreDeps) -> Message:
        with transaction(deps.runtime.sessions) as session:
            people.set_preference(
                session=session, workspace_id=ctx.workspace_id, chat_user_id=ctx.user_id, name=name, on=cmd.on
            )
        return notice(label, "On." if cmd.on else "Off.")

    return handler


def do_export(_: g.Export, ctx: ChatContext, deps: CoreDeps) -> Message:
    """Everything we hold about the caller, as a CSV file sent to them privately."""
    with transaction(deps.runtime.sessions) as session:
        filename, content = export_csv(
            session=session, workspace_id=ctx.workspace_id, chat_user_id=ctx.user_id
        )
    ctx.send_file(filename, content, "Your Plume data", "Here is everything Plume holds about you.")
    return notice("Export sent", "Check your direct messages from Plume for the CSV file.")


PERSON_COMMANDS: dict[type, Handler] = {
    g.Help: do_help,
    g.Join: do_join,
    g.Leave: do_leave,
    g.Forget: do_forget,
    g.Me: do_me,
    g.Hours: do_hours,
    g.Nudges: do_nudges,
    g.Topics: do_topics,
    g.Highlights: do_preference("highlights_allowed", "Highlights of your posts in the digest"),
    g.Recap: do_preference("recap_enabled", "Weekly private recap"),
    g.Export: do_export,
}
