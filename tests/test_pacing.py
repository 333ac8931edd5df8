"""The sender paces each channel at about one message a second, after a short burst."""

from __future__ import annotations

from bot.core.sender import CHANNEL_BURST, ChannelPacer


def test_a_channel_gets_a_burst_then_one_a_second() -> None:
    now = [0.0]
    pacer = ChannelPacer(clock=lambda: now[0])
    assert [pacer.may_post("C1") for _ in range(CHANNEL_BURST + 1)] == [True] * 3 + [False]
    assert pacer.may_post("C2")  # other channels are not held up
    now[0] += 1.0
    assert pacer.may_post("C1") and not pacer.may_post("C1")


def test_paced_messages_are_sent_later_not_lost(world) -> None:  # type: ignore[no-untyped-def]
    from bot.storage import outbox
    from bot.storage.models import OutboxMessage

    world.standin.add_channel("C0TEAM", name="team", bot_is_member=True)
    with world.db.scope() as session:
        for n in range(5):
            outbox.enqueue(session, workspace_id=world.workspace_id, key=f"test:{n}",
                           channel_id="C0TEAM", payload={"text": f"message {n}"},
                           now=world.clock.now)
    report = world.tick(world.clock.now.isoformat())
    assert report.send.sent == CHANNEL_BURST
    assert len(world.standin.messages("C0TEAM")) == CHANNEL_BURST
    with world.db.scope() as session:
        waiting = session.query(OutboxMessage).filter_by(status="pending").all()
        assert len(waiting) == 2 and all(m.attempts == 0 for m in waiting)
    world.tick((world.clock.now.replace(second=30)).isoformat())
    assert [m.text for m in world.standin.messages("C0TEAM")] == [
        f"message {n}" for n in range(5)]
