"""Admin commands. Rights are checked here, server-side, on every call: Slack admins and owners (from
users.info) plus PLUME_ADMINS. Admins see program health, never a person's work-hours figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from bot.commands import grammar as g
from bot.errors import PlumeError
from bot.messages.digest import digest_message
from bot.messages.model import Message
from bot.messages.replies import invitation_message, notice, settings_message, status_message
from bot.metrics.weeks import parse_week, week_label
from bot.services.digest import build_digest
from bot.services.ingest.usage import month_usage
from bot.services.program import load_program
from bot.services.settings import set_setting, workspace_settings
from bot.storage.db import transaction
from bot.storage.tables import Ambassador, Post, Workspace, XAccount
from handlers.slack.context import is_admin
from handlers.slack.render import fallback_text, to_blocks

if TYPE_CHECKING:
    from handlers.slack.commands import Call


class NotAdmin(PlumeError):
    """Only admins may do this."""


def admin_only(handler: Callable[[Any, Call], Message]) -> Callable[[Any, Call], Message]:
    """Refuse non-admins before anything else happens."""

    def checked(cmd: Any, call: Call) -> Message:
        if not is_admin(call.deps, call.client, call.user_id):
            raise NotAdmin("That command is for program admins (workspace admins, owners, or PLUME_ADMINS).")
        return handler(cmd, call)

    return checked


@admin_only
def do_channel(cmd: g.AdminChannel, call: Call) -> Message:
    """Set the digest channel."""
    if not cmd.channel_id:
        raise PlumeError("Pick the channel from the autocomplete, e.g. `/plume admin channel #ambassadors`.")
    with transaction(call.deps.runtime.sessions) as session:
        workspace = session.get(Workspace, call.workspace_id)
        workspace.digest_channel = cmd.channel_id
        # Who chose it hears about it, once, if Slack ever refuses the digest there.
        workspace.settings = {**(workspace.settings or {}), "digest_channel_set_by": call.user_id}
    where = f"#{cmd.channel_name} ({cmd.channel_id})" if cmd.channel_name else cmd.channel_id
    return notice(
        "Digest channel set",
        f"The weekly digest goes to {where}. Invite me there with `/invite @Plume` if I'm not in it yet.",
    )


@admin_only
def do_invite(cmd: g.AdminInvite, call: Call) -> Message:
    """DM an invitation; nothing is stored or tracked before the person accepts."""
    message = invitation_message("A program admin", cmd.handle.lstrip("@"))
    channel = call.client.conversations_open(users=cmd.user_id)["channel"]["id"]
    call.client.chat_postMessage(channel=channel, blocks=to_blocks(message), text=fallback_text(message))
    return notice(
        "Invitation sent", f"I asked {cmd.user_id} privately. Nothing is tracked unless they accept."
    )


@admin_only
def do_status(_: g.AdminStatus, call: Call) -> Message:
    """Counts, last poll, errors and X usage; no per-person figures."""
    with transaction(call.deps.runtime.sessions) as session:
        members = select(Ambassador.x_account_id).where(Ambassador.workspace_id == call.workspace_id)
        accounts = list(session.scalars(select(XAccount).where(XAccount.id.in_(members))))
        posts = session.scalar(select(func.count()).select_from(Post).where(Post.x_account_id.in_(members)))
        usage = month_usage(
            session=session, now=call.deps.clock(), budget_usd=call.deps.settings.X_MONTHLY_BUDGET_USD
        )
        workspace = session.get(Workspace, call.workspace_id)
        last_poll = max((a.last_polled_at for a in accounts if a.last_polled_at), default=None)
        figures = {
            "Ambassadors": len(accounts),
            "Posts stored": int(posts or 0),
            "Digest channel": workspace.digest_channel or "not set",
            "Last poll": last_poll.strftime("%Y-%m-%d %H:%M UTC") if last_poll else "never",
            "Accounts with errors": sum(1 for a in accounts if a.last_error or a.status != "active"),
        }
        if (
            not call.deps.settings.SLACK_CLIENT_ID
        ):  # the ledger spans workspaces: show it to single-tenant admins only
            figures[f"X reads {usage.month}"] = (
                f"{usage.post_reads} posts, {usage.user_reads} users, ${usage.spend_usd:.2f}"
            )
    return status_message(figures)


@admin_only
def do_settings(cmd: g.AdminSettings, call: Call) -> Message:
    """Show all settings, or change one."""
    with transaction(call.deps.runtime.sessions) as session:
        workspace = session.get(Workspace, call.workspace_id)
        if cmd.key is None:
            return settings_message(workspace_settings(workspace))
        settings = set_setting(session=session, workspace=workspace, key=cmd.key, value=cmd.value)
    return settings_message(settings)


@admin_only
def do_digest_preview(_: g.AdminDigestPreview, call: Call) -> Message:
    """Last week's digest, shown only to the admin."""
    now = call.deps.clock()
    with transaction(call.deps.runtime.sessions) as session:
        workspace = session.get(Workspace, call.workspace_id)
        settings = workspace_settings(workspace)
        week = parse_week(week_label((now - timedelta(days=7)).date()))
        program = load_program(session=session, workspace_id=call.workspace_id, week=week)
    return digest_message(build_digest(program, settings["min_group_size"]))


ADMIN_COMMANDS: dict[type, Callable[[Any, Call], Message]] = {
    g.AdminChannel: do_channel,
    g.AdminInvite: do_invite,
    g.AdminStatus: do_status,
    g.AdminSettings: do_settings,
    g.AdminDigestPreview: do_digest_preview,
}
