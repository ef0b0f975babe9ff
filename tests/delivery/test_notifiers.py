"""Notifiers by platform: one job run serves every platform's workspaces; an unserved one is skipped."""

from __future__ import annotations

import ast
import logging
from datetime import UTC, datetime
from pathlib import Path

from bot.jobs import tasks
from bot.services.delivery.notifiers import NotifierRegistry, Notifiers, notifier_registry
from bot.storage.db import transaction
from tests.delivery.conftest import seed_workspace
from tests.fakes.recording_notifier import RecordingNotifier

BOT = Path(__file__).resolve().parents[2] / "bot"
MONDAY = datetime(2026, 11, 16, 10, tzinfo=UTC)  # the digests and recaps of 2026-W46 are due


def test_one_run_serves_slack_and_teams_workspaces_and_skips_an_unserved_one(settings, runtime, caplog):
    with transaction(runtime.sessions) as session:
        slack_ws = seed_workspace(session, platform="slack", team="T1", people=5)
        teams_ws = seed_workspace(session, platform="teams", team="T2", people=5)
        other_ws = seed_workspace(session, platform="zulip", team="T3", people=5)
    on_slack, on_teams = RecordingNotifier(), RecordingNotifier(can_look_up=False)
    notifiers = Notifiers.fixed(runtime.sessions, slack=on_slack, teams=on_teams)
    with caplog.at_level(logging.WARNING, logger="bot.services.delivery.notifiers"):
        tasks.weekly_deliveries(settings, MONDAY, notifiers=notifiers)
    assert sorted((d.kind, d.to, d.workspace_id) for d in on_slack.delivered) == [
        ("direct", f"UT1{n}", slack_ws) for n in range(5)
    ] + [("post", "CT1", slack_ws)]
    assert sorted((d.kind, d.to, d.workspace_id) for d in on_teams.delivered) == [
        ("direct", f"UT2{n}", teams_ws) for n in range(5)
    ] + [("post", "CT2", teams_ws)]
    skipped = [r.fields for r in caplog.records if r.getMessage() == "no notifier for this platform: skipped"]
    assert skipped == [{"workspace": other_ws, "platform": "zulip"}]


def test_the_digest_job_skips_a_workspace_no_platform_serves(settings, runtime):
    with transaction(runtime.sessions) as session:
        ws = seed_workspace(session, platform="zulip", team="T3", people=5)
    outcome = tasks.digest(settings, ws, "2026-W46", MONDAY, notifiers=Notifiers.fixed(runtime.sessions))
    assert (outcome.status, outcome.detail) == ("skipped", "no notifier for this workspace's platform")


def test_a_registered_factory_is_built_once_on_first_use_with_settings_and_runtime(settings, runtime):
    registry, built = NotifierRegistry(), []

    @registry.register("teams")
    def teams_notifier(given_settings, given_runtime):
        built.append((given_settings, given_runtime))
        return RecordingNotifier()

    with transaction(runtime.sessions) as session:
        ws = seed_workspace(session, platform="teams", team="T2", people=1)
    notifiers = registry.build(settings, runtime)
    assert built == [] and registry.platforms() == ["teams"]
    first, second = notifiers.notifier_for(ws), notifiers.notifier_for(ws)
    assert first is second and built == [(settings, runtime)]


def test_the_composition_root_registers_slack(settings, runtime):
    from bot import platforms
    from handlers.slack.notifier import SlackNotifier

    with transaction(runtime.sessions) as session:
        ws = seed_workspace(session, platform="slack", team="T1", people=1)
    assert "slack" in notifier_registry.platforms()
    assert isinstance(platforms.notifiers(settings).notifier_for(ws), SlackNotifier)


def imports_of(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_no_job_or_command_builds_a_platform_notifier_by_name():
    reaching = {
        path.relative_to(BOT).as_posix(): sorted(m for m in imports_of(path) if m.endswith(".notifier"))
        for path in BOT.rglob("*.py")
    }
    assert {name: modules for name, modules in reaching.items() if modules} == {
        "platforms.py": ["handlers.slack.notifier", "handlers.teams.notifier"]
    }
    naming = [
        p.name
        for p in BOT.rglob("*.py")
        if "SlackNotifier" in p.read_text() or "slack_notifier" in p.read_text()
    ]
    assert naming == []
