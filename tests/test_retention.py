"""Raw text older than the retention setting is purged by the clock; aggregates stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.storage.models import Commitment, Digest, Occurrence, OutboxMessage, Reply
from tests.harness import World
from tests.test_digest import DIGEST_TIME, MEMBERS, hold_checkins, setup_team


def test_old_text_is_purged_and_team_figures_stay(world: World) -> None:
    setup_team(world)
    hold_checkins(world, MEMBERS)
    world.tick(DIGEST_TIME)
    with world.db.scope() as session:
        assert session.scalars(select(Reply)).all()
        for commitment in session.scalars(select(Commitment)).all()[:3]:
            commitment.status = "done"
    world.services.retention = timedelta(days=30)
    world.tick("2026-12-20T09:00:00+00:00")  # within 30 days of the last replies: kept
    with world.db.scope() as session:
        assert session.scalars(select(Reply)).all()
    with world.db.scope() as session:
        november_prompts = session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == "sent")).all()
        assert november_prompts
    world.tick("2027-02-01T09:00:00+00:00")  # more than 30 days after all of it
    with world.db.scope() as session:
        assert session.scalars(select(Reply)).all() == []
        assert all(c.status == "open" for c in session.scalars(select(Commitment)))
        remaining = {m.id for m in session.scalars(select(OutboxMessage))}
        assert not remaining & {m.id for m in november_prompts}  # their text is gone
        assert len(session.scalars(select(Digest)).all()) >= 1  # aggregates stay
        assert session.scalars(select(Occurrence)).all()  # whether rituals were held
