"""Events: App Home opened, an X archive sent in a DM, uninstall, token revocation; retries deduplicated."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltResponse

from bot.services.workspaces.lifecycle import first_delivery, mark_uninstalled
from bot.storage.db import transaction
from handlers.slack.archive import archive_job, import_shared_archive
from handlers.slack.context import SlackDeps, field, member, tolerant, workspace_id
from handlers.slack.home import refresh_home

log = logging.getLogger(__name__)


def dedupe_events(deps: SlackDeps):
    """Global middleware: an event already seen is acked and goes no further."""

    def middleware(body, next):
        # Only string ids are looked up: any other shape is not an Events API retry to deduplicate.
        event_id, team = member(body, "event_id"), member(body, "team_id") or ""
        shaped = isinstance(event_id, str) and event_id and isinstance(team, str)
        if shaped and not first_delivery(deps.runtime.sessions, event_id, team, deps.clock()):
            log.info("duplicate event skipped", extra={"fields": {"event_id": event_id}})
            return BoltResponse(status=200, body="")
        return next()

    return middleware


def handle_home_opened(event, client, context, deps: SlackDeps) -> None:
    """Publish the person's dashboard whenever they open the Home tab."""
    if member(event, "tab") not in (None, "home"):
        return
    user_id = field(member(event, "user"), "event.user")
    refresh_home(deps, client, workspace_id(deps, field(context.team_id, "team_id")), user_id)


def handle_uninstalled(context, deps: SlackDeps, installation_store=None) -> None:
    """Forget the workspace's tokens now, and schedule its data purge."""
    team_id = field(context.team_id, "team_id")
    if installation_store is not None:
        installation_store.delete_all(enterprise_id=context.enterprise_id, team_id=team_id)
    ws_id = workspace_id(deps, team_id)
    with transaction(deps.runtime.sessions) as session:
        mark_uninstalled(session=session, workspace_id=ws_id, now=deps.clock())
    log.info("workspace uninstalled", extra={"fields": {"team": team_id}})


def handle_tokens_revoked(event, context, deps: SlackDeps, installation_store=None) -> None:
    """Delete revoked tokens (bot tokens: the whole installation)."""
    if installation_store is not None and member(member(event, "tokens"), "bot"):
        installation_store.delete_all(enterprise_id=context.enterprise_id, team_id=context.team_id)


def register(app: App, deps: SlackDeps) -> None:
    """Attach the event listeners and the dedupe middleware."""
    store = app.installation_store if app.oauth_flow is not None else None
    app.use(dedupe_events(deps))

    def ack(ack):
        ack()

    def home(event, client, context):
        handle_home_opened(event, client, context, deps)

    def uninstalled(context):
        handle_uninstalled(context, deps, store)

    def revoked(event, context):
        handle_tokens_revoked(event, context, deps, store)

    def archive(event, client, context):
        job = archive_job(event, context)
        if job is not None:
            import_shared_archive(job, client, deps)

    def archive_elsewhere(ack, event, context):
        # Production: the download and import run in the command process; this thread only acks.
        ack()
        job = archive_job(event, context)
        if job is not None:
            deps.command_pool.submit(job)

    app.event("app_home_opened")(ack=ack, lazy=[tolerant(home)])
    if deps.command_pool is not None:
        app.event("file_shared")(tolerant(archive_elsewhere))
    else:
        app.event("file_shared")(ack=ack, lazy=[tolerant(archive)])
    app.event("app_uninstalled")(ack=ack, lazy=[tolerant(uninstalled)])
    app.event("tokens_revoked")(ack=ack, lazy=[tolerant(revoked)])
