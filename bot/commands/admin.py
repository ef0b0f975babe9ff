"""Admin commands. Rights are checked here, server-side, on every call: the platform's own admins and
owners plus PLUME_ADMINS. Admins see program health, never a person's work-hours figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.commands import grammar as g
from bot.commands.context import ChatContext, CoreDeps
from bot.errors import PlumeError
from bot.messages.digest import digest_message
from bot.messages.model import Message
from bot.messages.replies import invitation_message, notice, settings_message, status_message
from bot.messages.text import Mention, text
from bot.metrics.weeks import parse_week, week_label
from bot.services.reports.digest import build_digest
from bot.services.reports.program import load_program
from bot.services.workspaces.settings import set_digest_channel, set_setting, workspace_settings
from bot.services.workspaces.status import program_status
from bot.storage.db import transaction
from bot.storage.tables import Workspace

Handler = Callable[[Any, ChatContext, CoreDeps], Message]


class NotAdmin(PlumeError):
    """Only admins may do this."""


def is_admin(ctx: ChatContext, deps: CoreDeps) -> bool:
    """PLUME_ADMINS, else the platform's own admins and owners (asked of the platform, server-side)."""
    return ctx.user_id in deps.admins or ctx.is_platform_admin()


def admin_only(handler: Handler) -> Handler:
    """Refuse non-admins before anything else happens."""

    def checked(cmd: Any, ctx: ChatContext, deps: CoreDeps) -> Message:
        if not is_admin(ctx, deps):
            raise NotAdmin(f"That command is for program admins ({ctx.words.admins}, or PLUME_ADMINS).")
        return handler(cmd, ctx, deps)

    return checked


@admin_only
def do_channel(cmd: g.AdminChannel, ctx: ChatContext, deps: CoreDeps) -> Message:
    """Set the digest channel."""
    if not cmd.channel_id:
        raise PlumeError(ctx.words.pick_channel)
    with transaction(deps.runtime.sessions) as session:
        set_digest_channel(
            session=session, workspace_id=ctx.workspace_id, channel_id=cmd.channel_id, chosen_by=ctx.user_id
        )
    where = f"#{cmd.channel_name} ({cmd.channel_id})" if cmd.channel_name else cmd.channel_id
    joining = (" ", ctx.words.join_channel) if ctx.words.join_channel else ()
    return notice("Digest channel set", text(f"The weekly digest goes to {where}.", *joining))


@admin_only
def do_invite(cmd: g.AdminInvite, ctx: ChatContext, deps: CoreDeps) -> Message:
    """Invite someone privately; nothing is stored or tracked before the person accepts."""
    ctx.send_private(cmd.user_id, invitation_message("A program admin", cmd.handle.lstrip("@")))
    return notice(
        "Invitation sent",
        text("I asked ", Mention(cmd.user_id), " privately. Nothing is tracked unless they accept."),
    )


@admin_only
def do_status(_: g.AdminStatus, ctx: ChatContext, deps: CoreDeps) -> Message:
    """Counts, last poll, errors and X usage; no per-person figures."""
    with transaction(deps.runtime.sessions) as session:
        figures = program_status(
            session=session,
            workspace_id=ctx.workspace_id,
            now=deps.clock(),
            budget_usd=deps.settings.X_MONTHLY_BUDGET_USD,
            with_ledger=not deps.settings.serves_many_workspaces,
        )
    return status_message(figures)


@admin_only
def do_settings(cmd: g.AdminSettings, ctx: ChatContext, deps: CoreDeps) -> Message:
    """Show all settings, or change one."""
    with transaction(deps.runtime.sessions) as session:
        workspace = session.get(Workspace, ctx.workspace_id)
        if cmd.key is None:
            return settings_message(workspace_settings(workspace))
        if cmd.key == "require_verified_x" and cmd.value and not deps.settings.x_signin_configured:
            raise PlumeError(
                "Sign in with X is not set up on this Plume (X_CLIENT_ID), so nobody could join: "
                "ask the operator to set it up first (README: Install in Slack)."
            )
        settings = set_setting(session=session, workspace=workspace, key=cmd.key, value=cmd.value)
    return settings_message(settings)


@admin_only
def do_digest_preview(_: g.AdminDigestPreview, ctx: ChatContext, deps: CoreDeps) -> Message:
    """Last week's digest, shown only to the admin."""
    now = deps.clock()
    with transaction(deps.runtime.sessions) as session:
        settings = workspace_settings(session.get(Workspace, ctx.workspace_id))
        week = parse_week(week_label((now - timedelta(days=7)).date()))
        program = load_program(session=session, workspace_id=ctx.workspace_id, week=week)
    return digest_message(build_digest(program, settings["min_group_size"]))


ADMIN_COMMANDS: dict[type, Handler] = {
    g.AdminChannel: do_channel,
    g.AdminInvite: do_invite,
    g.AdminStatus: do_status,
    g.AdminSettings: do_settings,
    g.AdminDigestPreview: do_digest_preview,
}
