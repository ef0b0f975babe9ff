"""The people service on real storage: what it remembers of each person's Home chart."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.people import ambassadors
from bot.services.people import membership as people
from bot.storage.db import transaction

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def test_each_home_file_hands_back_the_one_it_replaces(sessions):
    with transaction(sessions) as s:
        ws = ambassadors.ensure_workspace(session=s, platform="slack", external_id="T1", now=lambda: T0).id
        people.join(
            session=s, workspace_id=ws, chat_user_id="U1", handle="ana", tz="UTC", consent_text="ok", now=T0
        )

    def replace(user: str, file_id: str) -> str | None:
        with transaction(sessions) as s:
            return people.replace_home_file(session=s, workspace_id=ws, chat_user_id=user, file_id=file_id)

    assert [replace("U1", "F1"), replace("U1", "F2"), replace("U1", "F3")] == [None, "F1", "F2"]
    # Someone who left while their Home was built: the new file itself is the one to delete.
    assert replace("U2", "F9") == "F9"
    with transaction(sessions) as s:
        assert people.me(session=s, workspace_id=ws, chat_user_id="U1").home_file_id == "F3"
