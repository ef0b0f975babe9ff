"""The core commands through a chat context of a platform with no slash prefix (as Teams will be): no
Slack in sight, the same code Slack's listener calls."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.commands.context import ChatContext, CoreDeps
from bot.commands.run import answer
from bot.commands.tokens import ChannelRef, UserRef
from bot.config import load_settings
from bot.messages.model import Message
from bot.messages.text import Hint, Mention, markdown
from bot.runtime import open_runtime
from bot.services.workspaces.lifecycle import installed_workspace
from bot.storage.db import transaction
from bot.storage.tables import Ambassador, Workspace

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


class Platform:
    """A chat platform's side of a command: what it was asked to send, and its answers."""

    def __init__(self, admins: set[str] = frozenset(), tz: str | None = "Asia/Tokyo") -> None:
        self.admins, self.tz = admins, tz
        self.private: list[tuple[str, Message]] = []
        self.files: list[tuple[str, bytes]] = []
        self.admin_checks = 0

    def context(self, workspace_id: int, user_id: str) -> ChatContext:
        def is_admin() -> bool:
            self.admin_checks += 1
            return user_id in self.admins

        return ChatContext(
            platform="teams",
            workspace_id=workspace_id,
            user_id=user_id,
            command_prefix="",
            is_platform_admin=is_admin,
            timezone=lambda: self.tz,
            send_private=lambda to, message: self.private.append((to, message)),
            send_file=lambda name, content, title, comment: self.files.append((name, content)),
        )


@pytest.fixture
def deps(tmp_path) -> CoreDeps:
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'plume.db'}", "LOG_LEVEL": "WARNING"})
    return CoreDeps(runtime=open_runtime(settings), settings=settings, clock=lambda: NOW)


@pytest.fixture
def workspace(deps) -> int:
    with transaction(deps.runtime.sessions) as session:
        return installed_workspace(session=session, platform="teams", external_id="tenant-1")


def run(deps, ctx, *tokens) -> Message:
    return answer(list(tokens), ctx, deps)


def texts(message: Message) -> str:
    return "\n".join(markdown(section.text, "") for section in message.sections)


def test_join_stores_the_consent_as_read_on_that_platform(deps, workspace):
    platform = Platform()
    message = run(deps, platform.context(workspace, "aad-ana"), "join", "@Ana_Writes")
    assert message.kind == "joined"
    with transaction(deps.runtime.sessions) as session:
        amb = session.scalars(select(Ambassador)).one()
        stored, tz = amb.consent_text, amb.timezone
    assert stored.startswith("By typing `join @Ana_Writes` you agree")
    assert "`leave`" in stored and "/plume" not in stored
    assert tz == "Asia/Tokyo"
    consent = message.sections[0].text
    assert Hint("join @Ana_Writes") in consent.runs and markdown(consent, "") == stored


def test_hints_in_errors_are_neutral_runs(deps, workspace):
    message = run(deps, Platform().context(workspace, "aad-ben"), "me")
    assert message.kind == "error"
    assert Hint("join @your_x_handle") in message.sections[0].text.runs
    assert "`join @your_x_handle`" in texts(message)
    typo = run(deps, Platform().context(workspace, "aad-ben"), "nudgs", "off")
    assert "Did you mean `nudges off`?" in texts(typo)
    assert markdown(typo.fallback, "").startswith(
        "Plume: `nudgs` is not a Plume command. Did you mean `nudges off`?"
    )


def test_export_goes_through_the_platforms_file_capability(deps, workspace):
    platform = Platform()
    ctx = platform.context(workspace, "aad-ana")
    run(deps, ctx, "join", "@ana")
    message = run(deps, ctx, "export")
    assert message.title == "Export sent"
    [(name, content)] = platform.files
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert name == "plume-ana.csv" and ["profile", "handle", "ana"] in rows


def test_admin_commands_ask_the_platform_and_use_its_references(deps, workspace):
    platform = Platform(admins={"aad-boss"})
    refused = run(deps, platform.context(workspace, "aad-ana"), "admin", "status")
    assert refused.kind == "error" and "program admins" in texts(refused)
    boss = platform.context(workspace, "aad-boss")
    invited = run(deps, boss, "admin", "invite", UserRef("aad-cleo"), "@cleo")
    assert Mention("aad-cleo") in invited.sections[0].text.runs
    [(to, invitation)] = platform.private
    assert to == "aad-cleo" and invitation.kind == "invitation"
    run(deps, boss, "admin", "channel", ChannelRef("19:abc@thread.tacv2", "ambassadors"))
    with transaction(deps.runtime.sessions) as session:
        ws = session.get(Workspace, workspace)
        assert (ws.digest_channel, ws.settings["digest_channel_set_by"]) == (
            "19:abc@thread.tacv2",
            "aad-boss",
        )
    assert platform.admin_checks == 3


def test_plume_admins_need_no_platform_call(deps, workspace, tmp_path):
    settings = deps.settings.model_copy(update={"PLUME_ADMINS": "aad-ops"})
    ops_deps = CoreDeps(runtime=deps.runtime, settings=settings, clock=deps.clock)
    platform = Platform()
    status = run(ops_deps, platform.context(workspace, "aad-ops"), "admin", "status")
    assert status.kind == "status" and platform.admin_checks == 0


def test_a_bug_is_answered_kindly_and_logged(deps, workspace, caplog):
    def broken() -> str:
        raise RuntimeError("boom")

    platform = Platform()
    ctx = platform.context(workspace, "aad-ana")
    ctx = ChatContext(**{**{f: getattr(ctx, f) for f in ctx.__slots__}, "timezone": broken})
    message = run(deps, ctx, "join", "@ana")
    assert message.kind == "error" and "Something went wrong on our side" in texts(message)
    assert "boom" not in texts(message)
    assert any(record.exc_info for record in caplog.records if record.message == "command failed")
