"""The App Home: the person's own dashboard with this week against their baseline, or a join prompt."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.charts import heatmap_png
from bot.errors import NotFound
from bot.messages.model import Image
from bot.messages.replies import home_message
from bot.metrics.report import WeekReport
from bot.metrics.weeks import week_label
from bot.services.people import membership as people
from bot.services.people.ambassadors import schedule_of
from bot.services.reports.stats import week_stats
from bot.storage.db import transaction
from handlers.slack.context import SlackDeps
from handlers.slack.render import to_blocks

log = logging.getLogger(__name__)


def publish_home(deps: SlackDeps, client: WebClient, workspace_id: int, user_id: str) -> None:
    """Build and publish the Home tab for one person."""
    report = schedule = None
    nudges = ""
    with transaction(deps.runtime.sessions) as session:
        try:
            amb = people.me(session=session, workspace_id=workspace_id, chat_user_id=user_id)
        except NotFound:
            amb = None
        if amb is not None:
            schedule = schedule_of(amb)
            week = week_label(deps.clock().astimezone(ZoneInfo(schedule.tz)).date())
            report = week_stats(
                session=session, workspace_id=workspace_id, handle=amb.x_account.handle, week_text=week
            )
            nudges = (
                "off"
                if not amb.nudges_enabled
                else (
                    f"snoozed until {amb.nudges_snoozed_until:%Y-%m-%d}" if amb.nudges_snoozed_until else "on"
                )
            )
    message = home_message(report, schedule, nudges)
    files = _chart(client, user_id, report) if report else {}
    images = tuple(Image(path, "Your posts by weekday and local hour", "When you posted") for path in files)
    message = replace(message, images=images)
    try:
        client.views_publish(user_id=user_id, view={"type": "home", "blocks": to_blocks(message, files)})
    except Exception:
        for file_id in files.values():  # never shown: it would only pile up
            delete_home_file(client, file_id)
        raise
    for file_id in files.values():
        _keep_only(deps, client, workspace_id, user_id, file_id)


def refresh_home(deps: SlackDeps, client: WebClient, workspace_id: int, user_id: str) -> None:
    """Publish the Home tab after an event or a click; Slack refusing it (a user it no longer knows, an
    outage) is one WARNING line: the tab is a view of data already saved, nothing to retry here."""
    try:
        publish_home(deps, client, workspace_id, user_id)
    except SlackApiError as exc:
        log.warning("home publish refused", extra={"fields": {"error": exc.response.get("error")}})


def _keep_only(deps: SlackDeps, client: WebClient, workspace_id: int, user_id: str, file_id: str) -> None:
    """Remember the chart now shown and delete the one it replaced, so one file per person remains."""
    with transaction(deps.runtime.sessions) as session:
        unused = people.replace_home_file(
            session=session, workspace_id=workspace_id, chat_user_id=user_id, file_id=file_id
        )
    if unused:
        delete_home_file(client, unused)


def forget_home(deps: SlackDeps, client: WebClient, workspace_id: int, user_id: str, file_id: str) -> None:
    """After someone left: their Home shows the join prompt again, and their last chart is deleted."""
    try:
        publish_home(deps, client, workspace_id, user_id)
    except Exception:  # the data is already gone; a stale tab must not turn that into an error
        log.warning("home refresh after leaving failed", exc_info=True)
    delete_home_file(client, file_id)


def delete_home_file(client: WebClient, file_id: str) -> None:
    """Delete a Home chart from Slack; a failure is logged, never raised (the view matters more)."""
    try:
        client.files_delete(file=file_id)
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.warning("home chart delete failed", extra={"fields": {"file": file_id, "error": error}})
    except Exception:
        log.warning("home chart delete failed", extra={"fields": {"file": file_id}}, exc_info=True)


def _chart(client: WebClient, user_id: str, report: WeekReport) -> dict[str, str]:
    """Upload the person's hour x weekday chart privately; returns {path: file id}."""
    # The PNG only lives until Slack has it: nothing about the person stays on our disk.
    with tempfile.TemporaryDirectory() as folder:
        week = report.week.week
        path = Path(folder) / f"plume-{user_id}-{week}.png"
        heatmap_png(report.week.hour_weekday, path, f"Your week {week}, local time")
        try:
            uploaded = client.files_upload_v2(file=str(path), filename=path.name, title="When you posted")
            return {str(path): uploaded["file"]["id"]}
        except Exception:  # a chart is a nicety: the dashboard still publishes without it
            log.warning("home chart upload failed", exc_info=True)
            return {}
