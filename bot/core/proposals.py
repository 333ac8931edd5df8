"""Anyone proposes; the team decides: the proposal modal and the secret vote.

A member or manager proposes a change to one of their team's rituals as a patch in the
teams file's shape; the tick posts it in the team channel, closes it after 7 days (or
once everyone has voted) and applies an adopted one through the coach's setup path
(`core/proposal_tick.py`). Votes are secret; an unsigned proposer is named nowhere, not
even in the logs. See docs/proposals.md.
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError
from sqlalchemy.orm import Session

from bot.config.apply import export_config
from bot.config.schema import TeamSpec, ritual_spec_of
from bot.core.setup import reader
from bot.domain.cadence import EVERY, Cadence, CadenceError
from bot.domain.enums import ProposalStatus
from bot.domain.proposals import YES_NO, overlay
from bot.messages.render import Template, render_view
from bot.platform.config_spec import TRIAL_MAX
from bot.platform.context import Caller, Services
from bot.platform.followups import Followup, Note
from bot.platform.notices import open_form
from bot.platform.prompts import (
    MAX_PROMPTS,
    MAX_ROTATING,
    ROTATING,
    PromptBank,
    check_prompt,
    stored_prompts,
)
from bot.rituals import registry
from bot.rituals.base import RitualDefinition
from bot.storage.events import first_delivery, handled
from bot.storage.models import Team
from bot.storage.proposals import (
    add_proposal,
    close_now,
    proposal_in_workspace,
    record_vote,
    team_of,
    voted_count,
)
from bot.storage.teams import active_people, teams_where

log = logging.getLogger(__name__)

NOT_IN_A_TEAM = ("Only a team's members and managers can propose a change to its rituals, "
                 "and you are not a member or manager of any team here. Nothing was sent.")
NOT_YOUR_TEAM = "Pick one of your own teams: only its members and managers propose for it."
UNCHANGED = "That is how it is already: nothing to vote on."
NOT_IN_TEAM = "Only the team's members and managers vote on its proposals."
CLOSED = "Voting on this proposal has closed: nothing was changed."
GONE = "That proposal no longer exists."
RECORDED = ("Your vote — *{choice}* — is recorded. It is secret: nobody sees who voted what "
            "or who did not vote. Click another button to change it while voting is open.")
SENT = ("Proposed. It will be posted in the team channel within a minute for a secret "
        "vote{signed}.")

KINDS = (("cadence", "Change its cadence"), ("on", "Switch it on"), ("off", "Switch it off"),
         ("trial", "Run it as a trial"), ("prompt_add", "Add a prompt"),
         ("prompt_replace", "Replace a prompt"), ("prompt_remove", "Remove a prompt"))
ALL_PROMPTS = "all"  # the one list of a ritual without roles
ROLES = (("member", "Members' prompts"), ("manager", "Managers' prompts"),
         ("upward", "Upward prompts"), ("rotating", "Rotating prompts"),
         (ALL_PROMPTS, "Its prompts (a ritual without roles)"))


class ProposalError(ValueError):
    """A field of the modal that makes no proposal: (block id, message)."""

    def __init__(self, block: str, message: str) -> None:
        super().__init__(message)
        self.block = block


# -- who may -------------------------------------------------------------------------------
def proposer_teams(session: Session, caller: Caller) -> list[Team]:
    """The teams where the caller is an active member or manager, by name."""
    found = {t.id: t for role in ("member", "manager")
             for t in teams_where(session, caller.workspace_id, caller.user_id, role)}
    return sorted(found.values(), key=lambda t: t.name)


# -- the modal -----------------------------------------------------------------------------
def open_propose(services: Services, *, caller: Caller, trigger_id: str,
                 ritual_kind: str | None = None, team_key: str | None = None) -> str | None:
    """Open the modal (pre-filled with a ritual, from a retro's result); returns what to
    tell the person instead, if they are in no team."""
    with services.db.scope() as session:
        teams = proposer_teams(session, caller)
        if not teams:
            return NOT_IN_A_TEAM
        team = next((t for t in teams if t.key == team_key), teams[0] if len(teams) == 1
                    else None)
        view = proposal_form(teams, team, ritual_kind)
    return open_form(services, workspace_id=caller.workspace_id, trigger_id=trigger_id,
                     view=view, form="proposal", again="Open it again (`/tend propose`).")


def proposal_form(teams: list[Team], team: Team | None, ritual_kind: str | None
                  ) -> dict[str, Any]:
    rituals = [{"kind": r.kind.value, "title": r.title} for r in registry.all_rituals()]
    ritual = next((r for r in rituals if r["kind"] == ritual_kind), None)
    return render_view(
        Template.PROPOSE_MODAL, teams=[{"key": t.key, "name": t.name} for t in teams],
        team={"key": team.key, "name": team.name} if team else None, rituals=rituals,
        ritual=ritual, kinds=[{"value": v, "label": label} for v, label in KINDS],
        roles=[{"value": v, "label": label} for v, label in ROLES], everies=EVERY,
        trial_max=TRIAL_MAX)


# -- proposing -----------------------------------------------------------------------------
def submit_proposal(services: Services, *, caller: Caller, values: dict[str, Any],
                    submission_id: str) -> dict[str, str]:
    """Validate and draft the proposal, once per submitted view; returns inline errors
    by block id (empty when drafted). Nothing is stored unless it is valid."""
    read = reader(values)
    now = services.now().astimezone(UTC)
    with services.db.scope() as session:
        if handled(session, event_id=submission_id):
            return {}
        teams = {t.key: t for t in proposer_teams(session, caller)}
        if not teams:
            return {"proposal_team": NOT_IN_A_TEAM}
        team = teams.get(str(read("proposal_team") or ""))
        if team is None:
            return {"proposal_team": NOT_YOUR_TEAM}
        try:
            kind, patch, summary = _change(session, team, read)
        except ProposalError as exc:
            return {exc.block: str(exc)}
        if not first_delivery(session, event_id=submission_id, now=now):
            return {}
        signed = bool(read("proposal_sign"))
        proposal = add_proposal(
            session, team_id=team.id, ritual_kind=kind, proposer_id=caller.user_id,
            signed=signed, origin="member", summary=summary, reason=read("proposal_why"),
            change=patch, choices=list(YES_NO), status=ProposalStatus.PENDING, due_at=now,
            created_at=now)
        log.info("proposal %s drafted for team %s", proposal.id, team.key)  # never by whom
    return {}


def confirmation(values: dict[str, Any]) -> str:
    signed = bool(reader(values)("proposal_sign"))
    return SENT.format(signed=", signed with your name" if signed else
                       ", unsigned: nobody is told who proposed it")


def _change(session: Session, team: Team, read: Any) -> tuple[str, dict[str, Any], str]:
    """(ritual kind, patch in the teams file's shape, summary in words), or a
    ProposalError on the field at fault. The patched team must pass the same validation
    as the file and the setup modal."""
    kind = str(read("proposal_ritual") or "")
    ritual = registry.find(kind)
    if ritual is None:
        raise ProposalError("proposal_ritual", "Pick the ritual to change.")
    what = read("proposal_kind")
    current = next(t for t in export_config(session, team.workspace_id).teams
                   if t.key == team.key)
    spec = ritual_spec_of(current, kind)
    title = ritual.title
    values: dict[str, Any]
    if what == "cadence":
        cadence = _cadence(read)
        values = {"cadence": cadence.as_dict()}
        summary = f"{title}: every {cadence.every}, {cadence.day}, at {cadence.time}"
    elif what in ("on", "off"):
        values = {"enabled": what == "on"}
        if what == "on" and spec is None:  # never set up: its setup defaults
            defaults = ritual.setup.defaults
            values["cadence"] = {k: defaults[k] for k in ("every", "day", "time")}
        summary = f"Switch {title} {what}"
    elif what == "trial":
        cycles = read("proposal_trial")
        if cycles is None or not str(cycles).isdigit():
            raise ProposalError("proposal_trial", "How many cycles should the trial run?")
        values = {"trial": int(cycles)}
        summary = f"Run {title} as a trial of {int(cycles)} cycles"
    elif what in ("prompt_add", "prompt_replace", "prompt_remove"):
        values, summary = _prompt_change(ritual, spec, what, read)
    else:
        raise ProposalError("proposal_kind", "Pick the change you propose.")
    patch = ({kind: values} if ritual.team_level_key else {"rituals": {kind: values}})
    base = current.model_dump(mode="json", exclude_none=True)
    patched = overlay(base, patch)
    if patched == base:
        raise ProposalError("proposal_kind", UNCHANGED)
    try:
        TeamSpec.model_validate(patched)
    except ValidationError as exc:
        raise ProposalError(_block_of(exc), _message(exc)) from None
    return kind, patch, summary


def _cadence(read: Any) -> Cadence:
    missing = [(block, what) for block, what in (("proposal_every", "how often"),
                                                 ("proposal_day", "the day"),
                                                 ("proposal_time", "the time"))
               if read(block) is None]
    if missing:
        raise ProposalError(missing[0][0], f"Give {missing[0][1]} of the new cadence.")
    try:
        return Cadence.parse(read("proposal_every"), read("proposal_day"), read("proposal_time"))
    except CadenceError as exc:
        field = str(exc).split(maxsplit=1)[0]
        raise ProposalError(f"proposal_{field}" if field in ("every", "day", "time")
                            else "proposal_day", str(exc)) from None


def _prompt_change(ritual: RitualDefinition, spec: Any, what: str, read: Any
                   ) -> tuple[dict[str, Any], str]:
    """A prompt added, replaced or removed, as the ritual's whole `prompts` (a list, or a
    mapping by role) in the teams file's shape. The list changed is the one the team sees
    now: its own, or tend's defaults when it wrote none (stored whole from then on)."""
    bank, title = ritual.prompts, ritual.title
    if bank is None:
        raise ProposalError("proposal_ritual", f"{title} asks no questions to change.")
    if spec is None:
        raise ProposalError("proposal_ritual", f"The team does not run {title}: propose "
                                               "switching it on first.")
    key = _prompt_key(bank, title, read("proposal_role"))
    written = bank.team_prompts(spec.model_dump(mode="json").get("prompts"))
    team_wrote = written[key]
    prompts = list(team_wrote if team_wrote is not None else bank.default(key))
    whose = f"{title}, {dict(ROLES)[key].lower()}" if key else title
    low, high = (0, MAX_ROTATING) if key == ROTATING else (1, MAX_PROMPTS)
    text = read("proposal_text")
    if what in ("prompt_add", "prompt_replace"):
        text = _prompt_text(text)
    if what == "prompt_add":
        if len(prompts) >= high:
            raise ProposalError("proposal_text", f"{whose}: {low} to {high} prompts, and it "
                                                 f"has {high} already. Replace or remove one "
                                                 "instead.")
        prompts.append(text)
        summary = f"{whose}: add the prompt “{text}”"
    else:
        number = read("proposal_prompt_number")
        if number is None or not str(number).isdigit() or not 1 <= int(number) <= len(prompts):
            raise ProposalError("proposal_prompt_number",
                                f"Which prompt: a number from 1 to {len(prompts)}, as the "
                                "message asks them." if prompts else
                                "There is no such prompt to change.")
        index = int(number) - 1
        if what == "prompt_replace":
            summary = f"{whose}: replace “{prompts[index]}” with “{text}”"
            prompts[index] = text
        else:
            if len(prompts) <= low:
                raise ProposalError("proposal_prompt_number", f"{whose}: {low} to {high} "
                                    "prompts, and this is the last one. Replace it instead.")
            summary = f"{whose}: remove the prompt “{prompts.pop(index)}”"
    written[key] = prompts
    return {"prompts": stored_prompts(bank, written)}, summary


def _prompt_key(bank: PromptBank, title: str, role: Any) -> str:
    """The key of the list to change: a role, or "" for a ritual with one list."""
    if not bank.roles:
        if role not in (None, ALL_PROMPTS):
            raise ProposalError("proposal_role", f"{title} has one list of prompts: pick "
                                                 f"“{dict(ROLES)[ALL_PROMPTS]}”.")
        return ""
    if role not in bank.prompt_keys():
        names = ", ".join(dict(ROLES)[k].lower() for k in bank.prompt_keys())
        raise ProposalError("proposal_role", f"Whose prompts of {title}: {names}.")
    return str(role)


def _prompt_text(text: Any) -> str:
    """The new prompt, checked as the teams file checks one (length, one line, no
    mention), so the error lands on its own field."""
    if not text:
        raise ProposalError("proposal_text", "Write the new prompt.")
    try:
        return check_prompt(str(text))
    except PydanticCustomError as exc:
        raise ProposalError("proposal_text", exc.message()[:1].upper()
                            + exc.message()[1:] + ".") from None


def _block_of(exc: ValidationError) -> str:
    loc = [str(p) for p in exc.errors()[0]["loc"]]
    if "trial" in loc:
        return "proposal_trial"
    if "cadence" in loc:
        return "proposal_day"
    if "prompts" in loc:
        return "proposal_text"
    return "proposal_kind"


def _message(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"The team's configuration would not accept it ({where}: {message})."[:2000]


# -- voting --------------------------------------------------------------------------------
def vote(services: Services, *, workspace_id: str, proposal_id: int, choice: str,
         user_id: str, channel_id: str) -> Followup:
    """Record the vote (a replay or a change of mind replaces it); once everyone has
    voted, the next tick closes it. The followup tells the voter privately."""
    with services.db.scope() as session:
        proposal = proposal_in_workspace(session, proposal_id, workspace_id)
        refusal: str | None = None
        if proposal is None or choice not in proposal.choices:
            refusal = GONE
        elif proposal.status != ProposalStatus.OPEN:
            refusal = CLOSED
        else:
            people = active_people(team_of(session, proposal), "member", "manager")
            if user_id not in people:
                refusal = NOT_IN_TEAM
            else:
                record_vote(session, proposal_id=proposal.id, user_id=user_id, choice=choice,
                            now=services.now())
                if voted_count(session, proposal.id, people) >= len(people):
                    close_now(session, proposal, now=services.now().astimezone(UTC))
                log.info("proposal %s: a vote recorded", proposal.id)  # never who or what
    text = refusal or RECORDED.format(choice=choice)
    return Followup(workspace_id, (Note(user_id, text, channel=channel_id),))

