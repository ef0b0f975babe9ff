"""The operator CLI: `python -m bot track|untrack|import|stats|demo|bench|migrate|compliance|…`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.config import Settings, load_settings
from bot.errors import InvalidInput, NotFound, PlumeError
from bot.logs import configure_logging
from bot.metrics.weeks import parse_week
from bot.runtime import open_runtime
from bot.schedule import WorkSchedule, parse_country, parse_days, parse_hours, parse_topics, parse_tz
from bot.services.ingest.imports import import_archive
from bot.services.people import ambassadors
from bot.services.reports.stats import week_stats
from bot.storage.db import transaction
from bot.storage.tables import Ambassador

if TYPE_CHECKING:
    pass

log = logging.getLogger("bot.cli")


def build_parser() -> argparse.ArgumentParser:
    """The whole command grammar."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Plume: quality over quantity on X.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    track = sub.add_parser("track", help="register an ambassador (operator-asserted consent)")
    track.add_argument("handle")
    _schedule_flags(track, with_profile=True)
    untrack = sub.add_parser("untrack", help="remove an ambassador and all their data")
    untrack.add_argument("handle")

    imp = sub.add_parser("import", help="import an X archive (.zip, tweets.js, tweet.js) or a CSV")
    imp.add_argument("path", type=Path)
    imp.add_argument("--handle", required=True)
    _workspace_flag(imp)

    stats = sub.add_parser("stats", help="one person's week against their own 4-week baseline")
    stats.add_argument("--handle", required=True)
    stats.add_argument("--week", required=True, help="ISO week, e.g. 2026-W46")
    stats.add_argument("--format", choices=["text", "json"], default="text")
    _schedule_flags(stats, with_profile=False)
    _workspace_flag(stats)

    demo = sub.add_parser("demo", help="run the sample program: digest, nudges, charts")
    demo.add_argument("--out", type=Path, default=None, help="output folder (default demo-output/)")
    bench = sub.add_parser("bench", help="time the full metrics pass on synthetic data")
    bench.add_argument("--ambassadors", type=int, default=1000)
    bench.add_argument("--weeks", type=int, default=12)
    bench.add_argument("--seed", type=int, default=7)
    sub.add_parser("migrate", help="apply database migrations (also done on every start)")
    digest = sub.add_parser("digest", help="post last week's digest to each workspace's channel (once)")
    digest.add_argument("--week", help="ISO week, e.g. 2026-W46 (default: last week)")
    digest.add_argument("--dry-run", action="store_true", help="print it instead of posting")
    sub.add_parser("worker", help="the scheduler: polling, nudges, digests, recaps, retention, compliance")
    jobs = sub.add_parser("jobs", help="the job queue: depth, stalled jobs, the oldest waiting")
    jobs.add_argument("--format", choices=["text", "json"], default="text")
    sub.add_parser("retention", help="purge posts past the retention window and uninstalled workspaces")
    sub.add_parser("compliance", help="run X batch compliance now: purge what X reports deleted or gone")
    sub.add_parser("serve", help="serve Slack over HTTP on $PORT (POST /slack/events, GET /healthz)")
    sub.add_parser("teams", help="serve Microsoft Teams on $TEAMS_PORT (POST /api/messages, GET /healthz)")
    sub.add_parser("socket", help="connect to Slack in Socket Mode (local development; SLACK_APP_TOKEN)")
    poll = sub.add_parser(
        "poll", help="run one X ingestion cycle (resolve, poll, snapshots, refresh), then nudges"
    )
    poll.add_argument(
        "--all", action="store_true", help="poll every tracked account now, whatever its cadence"
    )
    poll.add_argument("--no-nudges", action="store_true", help="skip the nudge rules after the ingest")
    usage = sub.add_parser("usage", help="X reads and estimated spend this month, and the projection")
    usage.add_argument("--reset-credits", action="store_true", help="resume polling after topping up")
    package = sub.add_parser("teams-package", help="write the Teams app package (manifest.json and icons)")
    package.add_argument("--out", type=Path, default=Path("plume-teams.zip"), help="default plume-teams.zip")
    package.add_argument("--app-version", default="1.0.0", help="raise it for every update")
    for page in ("website", "privacy", "terms"):
        package.add_argument(f"--{page}-url", help=f"https URL of the {page} page (default PLUME_PUBLIC_URL)")
    return parser


def _schedule_flags(parser: argparse.ArgumentParser, *, with_profile: bool) -> None:
    """--tz/--hours/--days, plus --country/--topics where a profile is being set."""
    parser.add_argument("--tz", help="IANA timezone, e.g. Europe/Paris")
    parser.add_argument("--hours", help="work hours, e.g. 09:00-18:00 (start inclusive, end exclusive)")
    parser.add_argument("--days", help="work days, e.g. mon-fri or mon,tue,thu")
    if with_profile:
        parser.add_argument("--country", help="two-letter country for public holidays, e.g. FR")
        parser.add_argument("--topics", help='declared topics, e.g. "b2b,#marketing"')


def _workspace_flag(parser: argparse.ArgumentParser) -> None:
    """--workspace, for a handle tracked in more than one workspace."""
    parser.add_argument(
        "--workspace",
        metavar="TEAM_ID",
        help="the workspace's external id (Slack team id such as T0001; local for `track`ed people)",
    )


def schedule_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Schedule fields given on the command line, parsed and validated."""
    fields: dict[str, Any] = {}
    if args.tz:
        fields["tz"] = parse_tz(args.tz)
    if args.hours:
        fields["start_minute"], fields["end_minute"] = parse_hours(args.hours)
    if args.days:
        fields["days"] = parse_days(args.days)
    if getattr(args, "country", None):
        fields["country"] = parse_country(args.country)
    if getattr(args, "topics", None) is not None:
        fields["topics"] = parse_topics(args.topics)
    return fields


def cmd_track(settings: Settings, args: argparse.Namespace) -> int:
    """Register (or update) an operator-tracked ambassador."""
    overrides = schedule_overrides(args)
    with transaction(open_runtime(settings).sessions) as session:
        workspace = ambassadors.local_workspace(session=session)
        handle = ambassadors.normalize_handle(args.handle)
        try:  # tracking again changes only what the flags say
            current = ambassadors.schedule_of(
                ambassadors.get_by_handle(session=session, workspace_id=workspace.id, handle=handle)
            )
        except PlumeError:
            current = WorkSchedule()
        schedule = replace(current, **overrides)
        amb = ambassadors.track(
            session=session,
            workspace_id=workspace.id,
            handle=handle,
            schedule=schedule,
            consent_text=ambassadors.OPERATOR_CONSENT.format(handle=handle),
            consent_source="operator",
        )
        print(
            f"Tracking @{amb.x_account.handle}: {schedule.hours_text} {schedule.days_text} {schedule.tz}"
            + (f", holidays {schedule.country}" if schedule.country else "")
            + (f", topics {', '.join(schedule.topics)}" if schedule.topics else "")
        )
    return 0


def cmd_untrack(settings: Settings, args: argparse.Namespace) -> int:
    """Remove an ambassador and their data."""
    with transaction(open_runtime(settings).sessions) as session:
        workspace = ambassadors.local_workspace(session=session)
        name = ambassadors.untrack(session=session, workspace_id=workspace.id, handle=args.handle)
    print(f"Stopped tracking @{name} and deleted their data.")
    return 0


def tracked_person(session: Session, handle: str, team: str | None, *, choose: bool = True) -> Ambassador:
    """The ambassador `--handle` (and `--workspace`) name, in whichever workspace tracks them; with
    `choose`, a handle tracked in several workspaces needs `--workspace`."""
    name = ambassadors.normalize_handle(handle)
    found = ambassadors.tracking_workspaces(session=session, handle=name)
    if team is not None:
        known = ambassadors.workspace_ids(session=session)
        if team not in known:
            raise InvalidInput(
                f"No workspace {team!r}; the workspaces are: {', '.join(known) or 'none yet'}."
            )
        elsewhere = sorted({w.external_id for _, w in found} - {team})
        found = [(a, w) for a, w in found if w.external_id == team]
        if not found:
            where = f" (tracked in: {', '.join(elsewhere)})" if elsewhere else ""
            raise NotFound(f"@{name} is not tracked in workspace {team}{where}.")
    if not found:
        raise ambassadors.not_tracked(name)
    if choose and len(found) > 1:
        teams = ", ".join(w.external_id for _, w in found)
        raise InvalidInput(
            f"@{name} is tracked in {len(found)} workspaces ({teams}): choose one with --workspace."
        )
    return found[0][0]


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """Import an archive in one transaction: all of it, or nothing."""
    with transaction(open_runtime(settings).sessions) as session:
        # Posts belong to the X account, which every workspace tracking it shares: any of them will do.
        person = tracked_person(session, args.handle, args.workspace, choose=False)
        result = import_archive(
            session=session,
            workspace_id=person.workspace_id,
            handle=args.handle,
            path=args.path,
            progress=sys.stderr.isatty(),
        )
    print(
        f"Imported {result.read} posts for @{result.handle} from {args.path.name}: "
        f"{result.new} new, {result.already_stored} already stored."
    )
    return 0


def cmd_stats(settings: Settings, args: argparse.Namespace) -> int:
    """Print one person's week."""
    overrides = schedule_overrides(args)
    parse_week(args.week)  # a bad flag is reported before the person is looked up, as it always was
    with transaction(open_runtime(settings).sessions) as session:
        # The schedule, and so the work-hours figures, are the workspace's own: that one must be chosen.
        person = tracked_person(session, args.handle, args.workspace)
        report = week_stats(
            session=session,
            workspace_id=person.workspace_id,
            handle=args.handle,
            week_text=args.week,
            overrides=overrides,
        )
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        from bot.messages.terminal import render_stats_table

        print(render_stats_table(report))
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """Run the sample program end to end."""
    from bot.demo.run import run_demo
    from bot.platforms import demo_renderers

    return run_demo(settings, out=args.out, renderers=demo_renderers())


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    """Time the metrics pass."""
    from bot.bench import run_bench

    return run_bench(ambassadors=args.ambassadors, weeks=args.weeks, seed=args.seed)


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    """Apply pending migrations (the release phase of a deploy)."""
    open_runtime(settings)
    print("Database is at the newest schema.")
    return 0


def cmd_poll(settings: Settings, args: argparse.Namespace) -> int:
    """One ingestion cycle, then the nudge rules on what it brought, as the worker's ingest does; exit 1
    when the cycle stopped early (credits, auth, budget, rate limit)."""
    from bot.jobs.tasks import poll_cycle

    report = poll_cycle(settings, every=args.all)
    print(
        f"Poll cycle: {report.polled} accounts polled, {report.new_posts} new posts, "
        f"{report.resolved} handles resolved, {report.snapshots} follower snapshots, "
        f"{report.refreshed} refreshed, {report.purged} purged."
    )
    for account_id, error in report.failed_accounts.items():
        print(f"  account {account_id}: {error}")
    if not args.no_nudges:  # even after an early stop: what did arrive may call for a nudge
        print(_nudge(settings))
    if report.stopped:
        print(f"Stopped: {report.stopped}", file=sys.stderr)
        return 1
    return 0


def _nudge(settings: Settings) -> str:
    """Run the nudge rules now, as `bot.jobs.tasks.ingest_and_nudge` does; one line on what happened."""
    from bot import platforms
    from bot.jobs import tasks

    runtime = tasks.shared_runtime(settings)
    if not tasks.chat_workspaces(runtime):  # checked first: no notifier, no metrics pass for nobody
        return "Nudges: none, no chat workspace."
    if not platforms.chat_configured(settings):
        return (
            "Nudges: skipped, no chat platform configured "
            "(SLACK_BOT_TOKEN, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)."
        )
    return f"Nudges: {tasks.nudges(settings)} sent."


def cmd_usage(settings: Settings, args: argparse.Namespace) -> int:
    """Print this month's X reads, spend, projection and budget state."""
    from bot.jobs.tasks import usage_report

    print(usage_report(settings, reset_credits=args.reset_credits))
    return 0


def cmd_digest(settings: Settings, args: argparse.Namespace) -> int:
    """Digests for every workspace: printed with --dry-run, else posted exactly once through each
    workspace's platform (a workspace no platform serves is logged and skipped)."""
    from bot.jobs import tasks
    from bot.metrics.weeks import parse_week, week_label

    week = week_label(parse_week(args.week)) if args.week else tasks.last_week()
    if args.dry_run:
        print(tasks.digest_preview(settings, week))
        return 0
    runtime = tasks.shared_runtime(settings)
    notifiers = tasks.platform_notifiers(settings)
    for workspace_id in notifiers.served(tasks.chat_workspaces(runtime)):
        outcome = tasks.digest(settings, workspace_id, week, notifiers=notifiers)
        print(f"workspace {workspace_id} {week}: {outcome.status} {outcome.detail}".rstrip())
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    """The scheduler; jobs find each workspace's notifier by its platform (bot.platforms)."""
    from bot.jobs.worker import run_worker

    return run_worker(settings)


def cmd_jobs(settings: Settings, args: argparse.Namespace) -> int:
    """The job queue's state (procrastinate); on the in-process scheduler there is no queue."""
    from bot.jobs.engine import jobs_engine

    if jobs_engine(settings) == "inprocess":
        if args.format == "json":
            print(json.dumps({"engine": "inprocess"}))
        else:
            print("No job queue: the worker runs the jobs in-process (PLUME_JOBS=inprocess).")
        return 0
    from bot.jobs.operations import queue_status, status_text
    from bot.jobs.queue import opened_app

    open_runtime(settings)  # migrations: procrastinate's schema among them
    status = queue_status(opened_app(settings), settings.PLUME_JOBS_STALLED_AFTER)
    print(json.dumps(status, indent=2) if args.format == "json" else status_text(status))
    return 0


def cmd_retention(settings: Settings, args: argparse.Namespace) -> int:
    """One retention pass."""
    from bot.jobs.tasks import retention
    from bot.services.workspaces.retention import USAGE_KEPT

    result = retention(settings)
    print(
        f"Retention: {result.posts} old posts and {result.workspaces} uninstalled workspaces purged"
        f" ({result.events} handled events forgotten; {result.usage} X read-ledger rows over"
        f" {USAGE_KEPT.days} days old pruned)."
    )
    return 0


def cmd_compliance(settings: Settings, args: argparse.Namespace) -> int:
    """X batch compliance by hand (the worker runs it daily); exit 1 when a job did not complete."""
    from bot.jobs.tasks import compliance

    report = compliance(settings, force=True)
    print(report.summary())
    return 1 if report.failed else 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Serve the chat platforms' endpoints (through the composition root)."""
    from bot.platforms import serve

    serve(settings)
    return 0


def cmd_teams(settings: Settings, args: argparse.Namespace) -> int:
    """Serve Teams (through the composition root)."""
    from bot.platforms import serve_teams

    serve_teams(settings)
    return 0


def cmd_socket(settings: Settings, args: argparse.Namespace) -> int:
    """Socket Mode."""
    from bot.platforms import socket_mode

    socket_mode(settings)
    return 0


def cmd_teams_package(settings: Settings, args: argparse.Namespace) -> int:
    """Write the Teams app zip and say where."""
    from bot.platforms import teams_package

    urls = {f"{page}_url": getattr(args, f"{page}_url") for page in ("website", "privacy", "terms")}
    path = teams_package(settings, args.out, app_version=args.app_version, **urls)
    print(f"Wrote the Teams app package to {path}: upload it in the Teams admin centre or Developer Portal.")
    return 0


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "track": cmd_track,
    "untrack": cmd_untrack,
    "import": cmd_import,
    "stats": cmd_stats,
    "demo": cmd_demo,
    "bench": cmd_bench,
    "migrate": cmd_migrate,
    "poll": cmd_poll,
    "serve": cmd_serve,
    "retention": cmd_retention,
    "compliance": cmd_compliance,
    "digest": cmd_digest,
    "worker": cmd_worker,
    "jobs": cmd_jobs,
    "socket": cmd_socket,
    "teams": cmd_teams,
    "usage": cmd_usage,
    "teams-package": cmd_teams_package,
}


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Parse, run, and turn every domain error into one clear line on stderr (exit 2)."""
    args = build_parser().parse_args(argv)
    try:
        settings = settings or load_settings()
        configure_logging(settings.LOG_LEVEL)
        return COMMANDS[args.command](settings, args)
    except PlumeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        log.debug("database error", exc_info=True)
        print(f"error: cannot use the database ({type(exc.orig).__name__}): {exc.orig}", file=sys.stderr)
        return 2
