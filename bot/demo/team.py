"""The demo's team: eight members across three time zones, a manager and a coach."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config.schema import TendConfig


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    tz: str


MANAGER = Person("U0ERIK", "Erik Visser", "Europe/Amsterdam")
COACH = Person("U0ANA", "Ana Costa", "Europe/Lisbon")
MEMBERS = [
    Person("U0MAYA", "Maya Jansen", "Europe/Amsterdam"),
    Person("U0SAM", "Sam de Vries", "Europe/Amsterdam"),
    Person("U0NOOR", "Noor Bakker", "Europe/Amsterdam"),
    Person("U0PRIYA", "Priya Raman", "Asia/Kolkata"),
    Person("U0ARJUN", "Arjun Mehta", "Asia/Kolkata"),
    Person("U0LENA", "Lena Fischer", "America/New_York"),
    Person("U0DIEGO", "Diego Ortiz", "America/New_York"),
    Person("U0TOM", "Tom Becker", "America/New_York"),
]
CHANNEL, CHANNEL_NAME = "C0PLATFORM", "platform"

TEAM_YAML = f"""\
teams:
  - key: platform
    name: Platform
    channel: {CHANNEL}
    timezone: Europe/Amsterdam
    managers: [{MANAGER.user_id}]
    coaches: [{COACH.user_id}]
    members: [{", ".join(p.user_id for p in MEMBERS)}]
    rituals:
      weekly_feedback:
        cadence: {{every: week, day: mon, time: "10:00"}}
      monthly_goals:
        cadence: {{every: month, day: 1st mon, time: "11:00"}}
      quads:
        cadence: {{every: week, day: thu, time: "15:00"}}
        regroup_every: 2
    digest:
      to: {MANAGER.user_id}
      cadence: {{every: week, day: fri, time: "16:00"}}
      min_group: 3
"""

DEMO_PEOPLE = [MANAGER, COACH, *MEMBERS]
SPARE_ZONES = ("Europe/Amsterdam", "America/New_York", "Asia/Kolkata")


def people_for(config: TendConfig) -> list[Person]:
    """Everyone a coach's own file names; people the demo does not know get a zone by turn."""
    known = {p.user_id: p for p in DEMO_PEOPLE}
    ids: list[str] = []
    for team in config.teams:
        for user_id in [*team.managers, *team.coaches, *(m.id for m in team.members)]:
            if user_id not in ids:
                ids.append(user_id)
    return [known.get(u) or Person(u, u, SPARE_ZONES[n % len(SPARE_ZONES)])
            for n, u in enumerate(ids)]
