"""What a delivery run computes before sending, for one batch of workspaces: plain functions of
settings and ids, so they can run in a process of their own (`fanout.worker_process`) and hand back
only small, picklable results, never frames."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from sqlalchemy import select

from bot.config import Settings
from bot.metrics.nudges import NudgeRules
from bot.metrics.weeks import parse_week
from bot.runtime import shared_runtime
from bot.services.delivery.nudging import nudge_plans
from bot.services.reports.digest import DigestData, build_digests
from bot.services.reports.nudges import NudgePlan
from bot.services.reports.program import Person, load_whole
from bot.services.reports.recaps import Recap, recaps
from bot.services.workspaces.settings import workspace_settings
from bot.storage.db import transaction
from bot.storage.tables import Workspace


@dataclass(frozen=True, slots=True)
class PreparedWeek:
    """A batch's recaps (by person), who belongs to which workspace, and the digests asked for."""

    recaps: dict[int, Recap]
    members: dict[int, list[int]]
    digests: dict[int, DigestData]


def prepare_week(settings: Settings, workspace_ids: list[int], week: str, digests: list[int]) -> PreparedWeek:
    """One metrics pass over the batch for `week`: everyone's recap, and the digests of `digests`."""
    runtime = shared_runtime(settings)
    with transaction(runtime.sessions) as session:
        whole = load_whole(session=session, workspace_ids=workspace_ids, week=parse_week(week))
        minimums = {
            w.id: workspace_settings(w)["min_group_size"]
            for w in session.scalars(select(Workspace).where(Workspace.id.in_(digests)))
        }
    members: defaultdict[int, list[int]] = defaultdict(list)
    for pid, person in whole.people.items():
        members[person.workspace_id].append(pid)
    return PreparedWeek(
        recaps=recaps(whole),
        members=dict(members),
        digests=build_digests(whole, minimums) if minimums else {},
    )


WeekKey = tuple[int, str, bool]  # a workspace, a week, and whether its digest is to be built


def prepare_weeks(
    settings: Settings, submit: Callable[..., Future], keys: list[WeekKey]
) -> dict[WeekKey, tuple[dict[int, Recap], DigestData | None]]:
    """For each key, the workspace's recaps and digest data of its week: one `prepare_week` on
    `submit` per week among the keys (a Coalescer's compute)."""
    by_week: defaultdict[str, list[WeekKey]] = defaultdict(list)
    for key in keys:
        by_week[key[1]].append(key)
    found = {}
    for week, group in by_week.items():
        digests = [wid for wid, _, digest in group if digest]
        ready = submit(prepare_week, settings, [wid for wid, _, _ in group], week, digests).result()
        for key in group:
            people = ready.members.get(key[0], [])
            found[key] = ({pid: ready.recaps[pid] for pid in people}, ready.digests.get(key[0]))
    return found


def plan_batch(
    settings: Settings, workspace_ids: list[int], weeks: list[str], rules_of: dict[int, NudgeRules]
) -> dict[int, list[tuple[Person, NudgePlan]]]:
    """Every nudge the batch's rules fire in `weeks` (one pass per week, one evaluation per distinct
    set of thresholds), by workspace."""
    runtime = shared_runtime(settings)
    with transaction(runtime.sessions) as session:
        wholes = [load_whole(session=session, workspace_ids=workspace_ids, week=parse_week(w)) for w in weeks]
    planned: defaultdict[int, list[tuple[Person, NudgePlan]]] = defaultdict(list)
    for rules in {rules_of[wid] for wid in workspace_ids}:
        for person, plan in nudge_plans(wholes, rules):
            if rules_of[person.workspace_id] == rules:
                planned[person.workspace_id].append((person, plan))
    return dict(planned)
