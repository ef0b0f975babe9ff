"""`/plume`: ack at once, then parse, call a core service, and answer ephemerally."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands import grammar as g
from bot.errors import PlumeError
from bot.messages.model import Message
from bot.messages.replies import (
    confirm_message,
    help_message,
    joined_message,
    notice,
    nudge_log_message,
    week_message,
)
from bot.metrics.weeks import week_label
from bot.services import people
from bot.services.ambassadors import schedule_of
from bot.services.settings import workspace_settings
from bot.services.stats import week_stats
from bot.storage.db import transaction
from bot.storage.tables import Workspace
from handlers.slack.admin import ADMIN_COMMANDS
from handlers.slack.context import SlackDeps, workspace_id
from handlers.slack.ids import COMMAND, ActionId
from handlers.slack.offload import job_from
from handlers.slack.render import fallback_text, to_blocks

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Call:
    """One command invocation: who, where, and the client to talk back with."""

    deps: SlackDeps
    workspace_id: int
    user_id: str
    client: WebClient


def reply(respond: Callable[..., Any], message: Message) -> None:
    """An ephemeral answer through the command's response_url."""
    respond(
        blocks=to_blocks(message),
        text=fallback_text(message),
        response_type="ephemeral",
        replace_original=False,
    )


def acknowledge(ack) -> None:
    """The only thing done before the HTTP response: Slack gets its ack in milliseconds."""
    ack()


def handle_plume_command(command, respond, client, context, deps: SlackDeps) -> None:
    """The work, run as a lazy listener after the ack: parse, call a service, answer."""
    try:
        parsed = g.parse_command(command.get("text") or "")
        call = Call(
            deps,
            workspace_id(deps, context.team_id or command.get("team_id", "")),
            command["user_id"],
            client,
        )
        message = run(parsed, call)
    except PlumeError as exc:
        message = notice("Plume", str(exc), kind="error")
    except SlackApiError as exc:
        log.warning("slack api error", extra={"fields": {"error": exc.response.get("error")}})
        message = notice(
            "Plume", "Slack didn't answer as expected; please try again in a moment.", kind="error"
        )
    except Exception:  # a bug of ours: the person still gets an answer, the log gets the trace
        log.exception("command failed", extra={"fields": {"text_length": len(command.get("text") or "")}})
        message = notice(
            "Plume", "Something went wrong on our side; it has been logged. Please try again.", kind="error"
        )
    reply(respond, message)


def run(parsed: g.Command, call: Call) -> Message:
    """Route a parsed command to its handler (admin ones are checked server-side there)."""
    handler = PERSON_COMMANDS.get(type(parsed)) or ADMIN_COMMANDS.get(type(parsed))
    if handler is None:
        return help_message(g.HELP_LINES)
    return handler(parsed, call)


def do_help(_: g.Help, call: Call) -> Message:
    return help_message(g.HELP_LINES)


def do_join(cmd: g.Join, call: Call) -> Message:
    """Self opt-in: the text shown is the consent recorded."""
    profile = call.client.users_info(user=call.user_id)["user"]
    with transaction(call.deps.runtime.sessions) as session:
        workspace = session.get(Workspace, call.workspace_id)
        min_group = workspace_settings(workspace)["min_group_size"]
        consent = people.JOIN_CONSENT.format(handle=cmd.handle.lstrip("@"), min_group=min_group)
        amb = people.join(
            session=session,
            workspace_id=call.workspace_id,
            chat_user_id=call.user_id,
            handle=cmd.handle,
            tz=profile.get("tz") or "UTC",
            consent_text=consent,
        )
        return joined_message(amb.x_account.handle, schedule_of(amb), consent)


def _confirm(what: str, action_id: ActionId, call: Call) -> Message:
    with transaction(call.deps.runtime.sessions) as session:
        amb = people.me(session=session, workspace_id=call.workspace_id, chat_user_id=call.user_id)
        return confirm_message(what, action_id, amb.x_account.handle)


def do_leave(_: g.Leave, call: Call) -> Message:
    return _confirm("Leave Plume", ActionId.LEAVE_CONFIRM, call)


def do_forget(_: g.Forget, call: Call) -> Message:
    return _confirm("Forget me", ActionId.FORGET_CONFIRM, call)


def do_me(cmd: g.Me, call: Call) -> Message:
    """The caller's own week (default: the current one in their zone) beside their baseline."""
    with transaction(call.deps.runtime.sessions) as session:
        amb = people.me(session=session, workspace_id=call.workspace_id, chat_user_id=call.user_id)
        week = cmd.week or _current_week(call, amb.timezone)
        report = week_stats(
            session=session, workspace_id=call.workspace_id, handle=amb.x_account.handle, week_text=week
        )
    return week_message(report)


def _current_week(call: Call, tz: str) -> str:
    """The ISO week the caller is living in right now."""
    local = call.deps.clock().astimezone(ZoneInfo(tz)).date()
    return week_label(local)


def do_hours(cmd: g.Hours, call: Call) -> Message:
    with transaction(call.deps.runtime.sessions) as session:
        schedule = people.set_hours(
            session=session,
            workspace_id=call.workspace_id,
            chat_user_id=call.user_id,
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


def do_nudges(cmd: g.Nudges, call: Call) -> Message:
    with transaction(call.deps.runtime.sessions) as session:
        if cmd.action == "log":
            logs = people.nudge_history(
                session=session, workspace_id=call.workspace_id, chat_user_id=call.user_id
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
            workspace_id=call.workspace_id,
            chat_user_id=call.user_id,
            action=cmd.action,
            days=cmd.days,
            now=call.deps.clock(),
        )
        if cmd.action == "snooze":
            return notice("Nudges snoozed", f"No nudges until {amb.nudges_snoozed_until:%Y-%m-%d}.")
        return notice("Nudges " + cmd.action, "You can change this any time with `/plume nudges on|off`.")


def do_topics(cmd: g.Topics, call: Call) -> Message:
    with transaction(call.deps.runtime.sessions) as session:
        topics = people.change_topics(
            session=session,
            workspace_id=call.workspace_id,
            chat_user_id=call.user_id,
            action=cmd.action,
            topics=cmd.topics,
        )
    return notice("Your topics", ", ".join(topics) if topics else "No topics declared yet.")


def do_preference(name: str, label: str) -> Callable[[Any, Call], Message]:
    def handler(cmd: Any, call: Call) -> Message:
        with transaction(call.deps.runtime.sessions) as session:
            people.set_preference(
                session=session,
                workspace_id=call.workspace_id,
                chat_user_id=call.user_id,
                name=name,
                on=cmd.on,
            )
        return notice(label, "On." if cmd.on else "Off.")

    return handler


def do_export(_: g.Export, call: Call) -> Message:
    """Everything we hold about the caller, as a CSV file in their DM."""
    with transaction(call.deps.runtime.sessions) as session:
        filename, content = people.export_csv(
            session=session, workspace_id=call.workspace_id, chat_user_id=call.user_id
        )
    channel = call.client.conversations_open(users=call.user_id)["channel"]["id"]
    call.client.files_upload_v2(
        channel=channel,
        content=content,
        filename=filename,
        title="Your Plume data",
        initial_comment="Here is everything Plume holds about you.",
    )
    return notice("Export sent", "Check your direct messages from Plume for the CSV file.")


PERSON_COMMANDS: dict[type, Callable[[Any, Call], Message]] = {
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


def register(app: App, deps: SlackDeps) -> None:
    """Attach the slash command listener."""

    if deps.command_pool is not None:
        # Production: the work goes to another process; this thread only acks and hands over.
        def ack_and_hand_over(ack, command, context):
            ack()
            deps.command_pool.submit(job_from(command, context))

        app.command(COMMAND)(ack_and_hand_over)
        return

    def work(command, respond, client, context):
        handle_plume_command(command, respond, client, context, deps)

    app.command(COMMAND)(ack=acknowledge, lazy=[work])
