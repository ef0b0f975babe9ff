"""A cycle in parts, as the job queue runs it: the upkeep (handles resolved, no polling), then a batch
of accounts, each polled only if it is in the batch and still due."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.services.ingest.cycle import run_cycle
from bot.storage.db import transaction
from bot.storage.tables import Post, XAccount
from tests.ingest.conftest import START, seed_posts


def part(ingest, **kwargs):
    return run_cycle(
        sessions=ingest.sessions, source=ingest.source, now=ingest.clock, config=ingest.config, **kwargs
    )


def posts_by_account(sessions) -> dict[str, int]:
    with transaction(sessions) as session:
        query = select(XAccount.handle, func.count()).join(Post, Post.x_account_id == XAccount.id)
        return dict(session.execute(query.group_by(XAccount.handle)).all())


def test_upkeep_resolves_without_polling_and_a_batch_polls_only_its_due_accounts(ingest, fake, sessions):
    for n, handle in enumerate(("ana", "ben", "cy"), start=1):
        fake.add_user(n, handle)
        seed_posts(fake, n, 3, newest=START - timedelta(hours=1), every=timedelta(hours=2), first_id=100 * n)
        ingest.track(handle)

    upkeep = part(ingest, accounts=[], upkeep=True)
    assert upkeep.resolved == 3 and upkeep.polled == 0 and fake.billed_post_reads() == 0

    with transaction(sessions) as session:
        ids = dict(session.execute(select(XAccount.handle, XAccount.id)).all())
    batch = part(ingest, accounts=[ids["ana"], ids["cy"]], upkeep=False)
    assert (batch.resolved, batch.polled, batch.new_posts) == (0, 2, 6)
    assert posts_by_account(sessions) == {"ana": 3, "cy": 3}

    again = part(ingest, accounts=[ids["ana"], ids["ben"]], upkeep=False)  # ana was just polled
    assert again.polled == 1 and posts_by_account(sessions) == {"ana": 3, "ben": 3, "cy": 3}
