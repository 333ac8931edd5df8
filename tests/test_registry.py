"""The ritual registry (issue 12): a ritual is one package plus one registration line.

What these hold: every stored kind has exactly one definition; nothing outside a ritual's
own package names its kind; and a ritual added to the registry reaches the tick, `/tend
help`, `/tend pause` and the setup modal with no edit elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config.schema import RitualsSpec, TeamSpec
from bot.core import setup
from bot.messages.render import render_view
from bot.rituals import registry
from bot.rituals.base import PlanReport, RitualDefinition, SetupPart
from bot.rituals.kinds import RitualKind
from bot.storage.models import Ritual, Team
from tests.harness import World, at
from tests.test_tend_command import tend
from tests.test_weekly_checkin import setup_team

BOT = Path(__file__).resolve().parents[1] / "bot"
KINDS = "|".join(k.value for k in RitualKind)
KIND_LITERAL = re.compile(rf"""["']({KINDS})["']""")

# Quoted kind values outside the rituals' packages that are not a ritual's kind: the
# `tend digest` and `/tend digest` subcommands and the digest table's name. The demo's
# scripted people act per ritual (a story, not the product).
NOT_A_KIND = {
    ("cli.py", 'add("digest"'),
    ("core/tend_command.py", '"digest": _digest'),
    ("storage/models.py", '__tablename__ = "digest"'),
}


def test_every_kind_has_exactly_one_definition() -> None:
    """Kills: a ritual left out of RITUALS, or registered twice."""
    assert sorted(registry.kinds()) == sorted(k.value for k in RitualKind)
    assert len(set(registry.kinds())) == len(registry.all_rituals())


def test_the_teams_file_is_assembled_from_the_registry() -> None:
    """Kills: a ritual key written into the schema by hand (or missing from it)."""
    under_rituals = {r.kind for r in registry.all_rituals() if not r.team_level_key}
    beside = {r.kind for r in registry.all_rituals() if r.team_level_key}
    assert set(RitualsSpec.model_fields) == under_rituals
    assert beside <= set(TeamSpec.model_fields)


def test_no_kind_is_named_outside_its_own_package() -> None:
    """Kills: an `if kind == "quads"` (or a list of kinds) put back in the core, the
    handlers, storage or the shared templates. The registry, `kinds.py` and each ritual's
    own package may name it; the stand-in and the demo are not the product."""
    found = []
    for path in sorted(BOT.rglob("*")):
        if path.suffix not in (".py", ".j2"):
            continue
        relative = path.relative_to(BOT).as_posix()
        if (relative.startswith(("rituals/weekly_feedback/", "rituals/monthly_goals/",
                                 "rituals/quads/", "rituals/retro/", "rituals/digest/",
                                 "slack/standin/",
                                 "demo/"))
                or relative in ("rituals/kinds.py", "rituals/registry.py")):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if KIND_LITERAL.search(line) and not any(
                    relative == where and text in line for where, text in NOT_A_KIND):
                found.append(f"bot/{relative}:{number}: {line.strip()}")
    assert found == []


class Retro(RitualDefinition):
    """A stand-in fifth ritual, registered for one test: what a new package provides."""

    kind = "retro"  # type: ignore[assignment]
    title = "Retrospective"
    help_phrase = "team retrospectives"
    setup = SetupPart(title="Team retrospective", help="What helped, what got in our way.",
                      defaults={"every": "month", "day": "last thu", "time": "15:00"})
    def __init__(self) -> None:
        self.planned: list[tuple[datetime, list[int]]] = []

    def plan(self, session: Session, *, now: datetime, catchup: timedelta,
             ritual_ids: Collection[int]) -> PlanReport:
        self.planned.append((now, sorted(ritual_ids)))
        return PlanReport(planned=1)

    def configuration_line(self, team: Team, ritual: Ritual, now: datetime) -> str:
        return f"• *{self.title}*"


@pytest.fixture
def with_retro(monkeypatch: pytest.MonkeyPatch) -> Retro:
    retro = Retro()
    rituals = (*registry.RITUALS, retro)
    monkeypatch.setattr(registry, "RITUALS", rituals)
    monkeypatch.setattr(registry, "_BY_KIND", {r.kind: r for r in rituals})
    return retro


def test_a_registered_ritual_is_in_the_setup_modal(with_retro: Retro) -> None:
    """Kills: the setup modal listing its rituals by hand."""
    context = setup._context(None, "U0COACH")
    assert [p["kind"] for p in context["parts"]][-1] == "retro"
    view = render_view("setup_modal.json.j2", **context)
    blocks = {b.get("block_id") for b in view["blocks"]}
    assert {"retro_on", "retro_every", "retro_day", "retro_time"} <= blocks


def test_a_registered_ritual_is_planned_helped_and_paused(world: World,
                                                          with_retro: Retro) -> None:
    """Kills: the tick, `/tend help` or `/tend pause` naming the rituals by hand. The tick
    plans a ritual of the new kind (its next due instant still to be computed) through
    its registered definition, with that ritual's id."""
    setup_team(world)
    with world.db.scope() as session:  # a retro row, as its migration and config would add
        team = session.scalars(select(Team)).one()
        retro = Ritual(team_id=team.id, kind="retro", every="month", day="last thu",
                       hour=15, minute=0, enabled=True, anchor_date=date(2026, 11, 1),
                       since=at("2026-11-01T00:00:00+00:00"), options={})
        session.add(retro)
        session.flush()
        retro_id = retro.id
    world.tick(at("2026-11-23T09:00:00+00:00"))
    assert with_retro.planned == [(at("2026-11-23T09:00:00+00:00"), [retro_id])]
    assert "team retrospectives" in tend(world, "U0COACH", "help")
    # Known to /tend pause, which pauses this team's:
    assert "retro of platform is paused" in tend(world, "U0COACH", "pause platform retro")
