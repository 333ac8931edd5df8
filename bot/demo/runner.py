"""`tend demo`: five weeks of a team's rituals in under a minute, with no Slack at all.

Everything but the people is real: the clock's ticks, the outbox, the WebClient talking
HTTP to the in-package Slack stand-in, signed requests into the Bolt app, the templates
and a throwaway SQLite database. The people's words and clicks come from
`bot.demo.people`. Time is simulated: the clock jumps from one fire time to the next.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config.apply import apply_config
from bot.config.loader import load_config
from bot.config.schema import TeamSpec, TendConfig, ritual_spec_of
from bot.core.home_sections import changelog_lines
from bot.demo.live import LiveApp
from bot.demo.people import PROPOSED_PROMPT, Actor, Cue
from bot.demo.team import CHANNEL_NAME, TEAM_YAML, Person, people_for
from bot.demo.transcript import Attachment, Conversation, Entry, render_transcript
from bot.rituals import registry
from bot.rituals.common.schedule import fire_times_between
from bot.rituals.kinds import RitualKind
from bot.slack.gateway import METADATA_EVENT_TYPE
from bot.slack.standin import Message, SlackStandIn
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import Occurrence, Proposal
from bot.storage.proposals import team_of
from bot.storage.teams import all_teams

# Monday 30 November 2026: five weeks from here include two first Mondays of a month,
# so the demo shows a goal-sharing session and, a month later, its private review.
DEFAULT_START = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class DemoResult:
    transcript: Path
    ticks: int
    posts: int
    replies: int
    seconds: float


class SimulatedClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


def run_demo(*, team_yaml: str | None = None, weeks: int = 5, out: Path,
             start: datetime = DEFAULT_START, echo: Callable[[str], None] = print) -> DemoResult:
    began = time.monotonic()
    config = load_config(team_yaml or TEAM_YAML)
    people = people_for(config)
    end = start + timedelta(weeks=weeks, hours=12)
    clock = SimulatedClock(start - timedelta(days=1))
    with tempfile.TemporaryDirectory(prefix="tend-demo-") as tmp, \
            SlackStandIn(clock=lambda: clock.now.timestamp()) as slack:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        upgrade(url)
        db = Database.from_url(url)
        _populate(slack, config, people)
        with db.scope() as session:
            apply_config(session, config, workspace_id=slack.team_id, now=clock.now)
        with LiveApp(db=db, standin=slack, clock=clock) as live:
            play = _Play(live, config, people, clock, echo)
            instants = _instants(config, people, start, end)
            for n, instant in enumerate(instants, start=1):
                play.at(instant, progress=f"{n}/{len(instants)}")
            play.changelog()
            result_posts = [m for m in slack.messages() if m.user == slack.bot_user_id]
            replies = len(slack.messages()) - len(result_posts)
            out.write_text(_transcript(slack, config, people, start, end), encoding="utf-8")
        db.engine.dispose()
    return DemoResult(transcript=out, ticks=len(instants), posts=len(result_posts),
                      replies=replies, seconds=time.monotonic() - began)


def _populate(slack: SlackStandIn, config: TendConfig, people: list[Person]) -> None:
    for person in people:
        slack.add_user(person.user_id, tz=person.tz, name=person.name)
    for team in config.teams:
        slack.add_channel(team.channel, name=CHANNEL_NAME if len(config.teams) == 1
                          else team.key)


def _instants(config: TendConfig, people: list[Person], start: datetime,
              end: datetime) -> list[datetime]:
    """Every fire time in the period: the moments a running clock would act."""
    zones = {p.user_id: p.tz for p in people}
    moments: set[datetime] = {start}
    for team in config.teams:
        for ritual in registry.all_rituals():
            spec = ritual_spec_of(team, ritual.kind)
            if spec is None or not spec.enabled:
                continue
            tzs = ({zones[m.id] for m in team.members} if ritual.in_member_zone
                   else {team.timezone})
            for tz in tzs:
                moments.update(fire_times_between(spec.cadence.cadence, ZoneInfo(tz), start,
                                                  end, anchor=start.date()))
    return sorted(moments)


class _Play:
    """One tick at a time: run it, let the people act on what arrived, echo it all."""

    def __init__(self, live: LiveApp, config: TendConfig, people: list[Person],
                 clock: SimulatedClock, echo: Callable[[str], None]) -> None:
        self.live, self.config, self.clock, self.echo = live, config, clock, echo
        self.names = {p.user_id: p.name for p in people}
        self.zones = {p.user_id: p.tz for p in people}
        self.actor = Actor(live, advance=clock.advance, today_of=self._today)
        self.seen = 0
        self.day: date | None = None
        self.proposed = False  # the team's one prompt proposal of the story

    def _today(self, user_id: str) -> date:
        return self.clock.now.astimezone(ZoneInfo(self.zones.get(user_id, "UTC"))).date()

    def at(self, instant: datetime, *, progress: str) -> None:
        self.clock.now = instant
        report = self.live.tick(instant)
        arrived = self._new_messages()
        if report.send.sent:
            self._header(instant, progress)
        for post in arrived:
            self._echo(post)
        for post in arrived:
            self._act(post)
        for message in self._new_messages():
            self._echo(message)

    def _new_messages(self) -> list[Message]:
        messages = self.live.standin.messages()
        fresh, self.seen = messages[self.seen:], len(messages)
        return fresh

    def _act(self, post: Message) -> None:
        key = (post.metadata or {}).get("event_payload", {}).get("key", "")
        if (post.metadata or {}).get("event_type") != METADATA_EVENT_TYPE:
            return
        parts = key.split(":")
        if parts[:1] == ["proposal"] and parts[2:] == ["post"]:
            self._vote(int(parts[1]), post)
            return
        if parts[0] != "occurrence" or len(parts) < 3:
            return
        with self.live.db.scope() as session:  # read, then act outside the transaction
            occurrence = session.get_one(Occurrence, int(parts[1]))
            kind, team_key = occurrence.ritual.kind, occurrence.ritual.team.key
        team = next(t for t in self.config.teams if t.key == team_key)
        self.actor.respond(kind, Cue(occurrence, post, [m.id for m in team.members], parts[2:]))
        if (kind == RitualKind.WEEKLY_FEEDBACK and not self.proposed
                and occurrence.subject_id == team.members[0].id):
            self._propose_prompt_change(team, occurrence.subject_id)

    # -- the team changes one of its check-in prompts by vote ------------------------------
    def _propose_prompt_change(self, team: TeamSpec, member: str) -> None:
        """After their first check-in, the team's first member proposes a better last
        question for the members; the next tick posts it for the team's secret vote."""
        self.proposed = True
        checkin = registry.find(RitualKind.WEEKLY_FEEDBACK)
        bank = checkin.prompts if checkin is not None else None
        spec = ritual_spec_of(team, RitualKind.WEEKLY_FEEDBACK)
        if bank is None or spec is None:
            return
        seen = bank.team_prompts(spec.model_dump(mode="json").get("prompts"))["member"]
        asked = list(seen if seen is not None else bank.default("member"))
        name = self.names.get(member, member).split()[0]
        self.echo(f"  ✎ {name} proposes (/tend propose) to replace the check-in question "
                  f"“{asked[-1]}” with “{PROPOSED_PROMPT}”: the team decides by secret vote.")
        errors = self.actor.propose_prompt(member, team.key, number=len(asked))
        if errors:
            self.echo(f"  ✎ the proposal was refused: {'; '.join(errors.values())}")

    def _vote(self, proposal_id: int, post: Message) -> None:
        with self.live.db.scope() as session:
            team_key = team_of(session, session.get_one(Proposal, proposal_id)).key
        team = next(t for t in self.config.teams if t.key == team_key)
        self.actor.vote(post, [*team.managers, *(m.id for m in team.members)])

    def changelog(self) -> None:
        """What changed in each team's rituals, and how: what the coach's Home shows."""
        with self.live.db.scope() as session:
            for team in all_teams(session, self.live.workspace_id):
                lines = changelog_lines(session, team)
                self.echo(f"\n── Changelog of {team.name} (the coach's Home) " + "─" * 20)
                for line in reversed(lines):
                    self.echo(f"  {line.removeprefix('*Changes*: ')}")

    def _header(self, instant: datetime, progress: str) -> None:
        local = instant.astimezone(ZoneInfo(self.config.teams[0].timezone))
        if local.date() != self.day:
            self.day = local.date()
            self.echo(f"\n── {local:%a %d %b %Y} ─────────────────────────── tick {progress}")

    def _echo(self, message: Message) -> None:
        who = "tend" if message.user == self.live.standin.bot_user_id else (
            self.names.get(message.user, message.user))
        when = datetime.fromtimestamp(float(message.ts), UTC).astimezone(
            ZoneInfo(self.config.teams[0].timezone))
        indent = "    ↳ " if message.thread_ts else "  "
        first = " ".join(self._plain(message.text).split())
        self.echo(f"{indent}{when:%H:%M} {self._where(message.channel):<28.28} "
                  f"{who}: {first[:96]}")

    def _plain(self, text: str) -> str:
        for user_id, name in self.names.items():
            text = text.replace(f"<@{user_id}>", f"@{name.split()[0]}")
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

    def _where(self, channel: str) -> str:
        return _title(self.live.standin, channel, self.names)


def _title(slack: SlackStandIn, channel: str, names: dict[str, str]) -> str:
    if channel.startswith("C"):
        return f"#{CHANNEL_NAME}"
    members = sorted(names.get(u, u).split()[0] for u in slack.conversation_members(channel))
    if channel.startswith("D"):
        return f"tend → {', '.join(members)}"
    return f"{', '.join(members)} & tend"


def _transcript(slack: SlackStandIn, config: TendConfig, people: list[Person],
                start: datetime, end: datetime) -> str:
    names = {p.user_id: p.name for p in people}
    messages = slack.messages()
    channels = list(dict.fromkeys(m.channel for m in messages))
    kinds = {"C": "channel", "G": "group", "D": "dm"}
    conversations = [Conversation(id=c, title=_title(slack, c, names),
                                  kind=kinds.get(c[0], "group")) for c in channels]
    entries = [Entry(conversation=m.channel, ts=m.ts, user=m.user, text=m.text,
                     blocks=m.blocks, thread_ts=m.thread_ts, edited=bool(m.edited_ts),
                     reactions=tuple((k, len(v)) for k, v in m.reactions.items()))
               for m in messages]
    # An uploaded chart shows as tend's file message in its thread, just after its parent.
    entries += [Entry(conversation=f.channel or "", ts=f"{float(f.thread_ts) + 0.5:.6f}",
                      user=slack.bot_user_id, text=f.title or f.filename, blocks=None,
                      thread_ts=f.thread_ts,
                      files=(Attachment(filename=f.filename, title=f.title or f.filename,
                                        alt_text=f.alt_txt or "", png=f.data),))
                for f in slack.files() if f.thread_ts and f.channel and f.data is not None]
    team = config.teams[0]
    zone = team.timezone
    period = (f"{start.astimezone(ZoneInfo(zone)):%d %b} – "
              f"{end.astimezone(ZoneInfo(zone)):%d %b %Y}")
    return render_transcript(
        title=f"tend demo · {team.name}",
        subtitle=f"{period} · simulated by `tend demo`: the people's words are scripted, "
                 "everything tend did is its real code path",
        conversations=conversations, entries=entries,
        people={**names, slack.bot_user_id: "tend"}, bot_user_id=slack.bot_user_id,
        timezone=zone,
    )
