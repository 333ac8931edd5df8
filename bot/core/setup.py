"""`/tend setup`: a coach creates or edits a team in a modal.

The modal's values become the same `TeamSpec` the YAML file loads, validated by the
same rules, and are saved by the same `apply_config`: one configuration, which
`tend export` prints whichever way it was made. Invalid input comes back as inline
errors on the right fields and changes nothing.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from bot.config.apply import BY_COACH, apply_config, export_config
from bot.config.schema import TeamSpec, TendConfig, ritual_spec_of
from bot.domain.cadence import EVERY, ORDINALS, WEEKDAYS
from bot.messages.render import Template, render_view
from bot.platform.context import Caller, Services
from bot.platform.notices import open_form
from bot.platform.prompts import ROTATING, PromptBank, prompt_lines, stored_prompts
from bot.rituals import registry
from bot.slack.gateway import SlackCallError
from bot.storage.events import first_delivery, handled
from bot.storage.models import TeamRole
from bot.storage.teams import roles_of, team_by_key

# Every day the YAML accepts, so a team's day is always one of the menu's options (Slack
# refuses the modal otherwise): 7 + 35 + 31 = 73 options, under the 100 a select allows.
DAY_OPTIONS: dict[str, list[str]] = {
    "weekdays": list(WEEKDAYS),
    "ordinal_days": [f"{o} {d}" for o in ORDINALS for d in WEEKDAYS],
    "month_days": [str(n) for n in range(1, 32)],
}
NOT_ALLOWED = ("Only a team's coaches (or a workspace admin) can set up its rituals. "
               "Nothing was changed.")
TEAM_FIELDS = {"key": "team_key", "name": "team_name", "channel": "team_channel",
               "timezone": "team_timezone", "managers": "team_managers",
               "members": "team_members", "coaches": "team_coaches",
               "skip_dates": "team_name"}


# -- who may ------------------------------------------------------------------------
def coaches_of(session: Session, workspace_id: str, key: str) -> set[str]:
    team = team_by_key(session, workspace_id, key)
    return {r.user_id for r in team.roles if r.role == "coach" and r.active} if team else set()


def is_any_coach(session: Session, caller: Caller) -> bool:
    return session.scalar(roles_of(caller.workspace_id, caller.user_id).where(
        TeamRole.role == "coach", TeamRole.active.is_(True))) is not None


def may_set_up(services: Services, session: Session, caller: Caller, key: str | None) -> bool:
    """A team's coaches may; any coach may create a team; an admin of the caller's own
    workspace may do either (asked of Slack with that workspace's token)."""
    if key is not None and team_by_key(session, caller.workspace_id, key) is not None:
        allowed = caller.user_id in coaches_of(session, caller.workspace_id, key)
    else:
        allowed = is_any_coach(session, caller)
    return allowed or _is_admin(services, caller)


def _is_admin(services: Services, caller: Caller) -> bool:
    try:
        return services.gateway_for(caller.workspace_id).is_workspace_admin(caller.user_id)
    except SlackCallError:  # not installed there: nobody is its admin to tend
        return False


# -- the modal ------------------------------------------------------------------------
def open_setup(services: Services, *, caller: Caller, trigger_id: str,
               key: str | None) -> str | None:
    """Open the modal; returns a refusal to show the person instead, if any."""
    with services.db.scope() as session:
        if key is None:  # a coach of exactly one team edits that one
            coached = session.scalars(roles_of(caller.workspace_id, caller.user_id).where(
                TeamRole.role == "coach", TeamRole.active.is_(True))).all()
            if len(coached) == 1:
                key = coached[0].team.key
        if not may_set_up(services, session, caller, key):
            view = None
        else:
            spec = next((t for t in export_config(session, caller.workspace_id).teams
                         if t.key == key), None)
            view = render_view(Template.SETUP_MODAL, **_context(spec, caller.user_id))
    if view is None:
        return NOT_ALLOWED
    return open_form(services, workspace_id=caller.workspace_id, trigger_id=trigger_id, view=view,
                     form="setup", again="Open it again (`/tend setup`).")


def _context(spec: TeamSpec | None, user_id: str) -> dict[str, Any]:
    team: dict[str, Any] = {"key": "", "name": "", "channel": "", "timezone": "UTC",
                            "managers": [], "members": [], "coaches": [user_id]}
    parts = registry.all_rituals()
    rituals = {r.kind: {**r.setup.defaults, "on": False} for r in parts}
    if spec is not None:
        team = {"key": spec.key, "name": spec.name, "channel": spec.channel,
                "timezone": spec.timezone, "managers": spec.managers,
                "members": [m.id for m in spec.members], "coaches": spec.coaches}
        for r in parts:
            saved = ritual_spec_of(spec, r.kind)
            if saved is not None:
                ritual = saved.model_dump()
                rituals[r.kind] = {**rituals[r.kind], **ritual["cadence"],
                                   "on": ritual["enabled"],
                                   **{k: v for k, v in ritual.items()
                                      if k not in ("cadence", "enabled")}}
    prompts = {r.kind: _prompt_inputs(r.kind, r.prompts,
                                      ritual_spec_of(spec, r.kind) if spec else None)
               for r in parts if r.prompts is not None}
    for r in parts:
        r.setup.context(rituals[r.kind], team)
    for values in rituals.values():
        values["day"] = str(values["day"])
    return {"team": team, "rituals": rituals, "everies": EVERY, **DAY_OPTIONS,
            "prompt_inputs": prompts,
            "parts": [{"kind": r.kind, "title": r.setup.title, "help": r.setup.help,
                       "extra_blocks": r.setup.extra_blocks} for r in parts]}


def prompt_block(kind: str, key: str) -> str:
    """A ritual's prompts input: `retro_prompts`, `weekly_feedback_prompts_member`."""
    return f"{kind}_prompts" + (f"_{key}" if key else "")


# A multiline input holds at most this much (Slack's limit for plain_text_input).
PROMPTS_INPUT_MAX = 3000


def _written(bank: PromptBank, saved: Any) -> dict[str, list[str] | None]:
    stored = saved.model_dump(exclude_none=True).get("prompts") if saved is not None else None
    return bank.team_prompts(stored)


def _prompt_inputs(kind: str, bank: PromptBank, saved: Any) -> list[dict[str, Any]]:
    """One multiline input per role, one prompt a line, filled with the current prompts
    (the team's, or the defaults). Twelve long rotating prompts can exceed what an input
    holds: then the modal says so instead, and a save keeps them."""
    inputs = []
    for key, written in _written(bank, saved).items():
        text = "\n".join(written if written is not None else bank.default(key))
        inputs.append({"block_id": prompt_block(kind, key), "label": bank.label(key),
                       "value": text, "optional": key == ROTATING,
                       "fits": len(text) <= PROMPTS_INPUT_MAX, "max": PROMPTS_INPUT_MAX,
                       "hint": ("One per line, up to 12, each at most 300 characters; one "
                                "is added to each occurrence in turn. Empty: none."
                                if key == ROTATING else
                                "One per line: 1 to 5, each at most 300 characters.")})
    return inputs


def _read_prompts(bank: PromptBank, kind: str, read: Any, values: dict[str, Any],
                  saved: Any) -> Any:
    """The prompts as submitted, in the shape of the `prompts:` key: a role left at the
    defaults stays unset (so better defaults reach it later); an input not shown keeps
    what was there."""
    written = _written(bank, saved)
    for key in written:
        block = prompt_block(kind, key)
        if block in values:
            lines = prompt_lines(read(block))  # text, or None when blank or not text
            written[key] = None if lines == list(bank.default(key)) else lines
    return stored_prompts(bank, written)


# -- saving -----------------------------------------------------------------------------
def save_setup(services: Services, *, caller: Caller, key: str | None,
               values: dict[str, Any], submission_id: str) -> dict[str, str]:
    """Validate and save, once per submitted view; returns inline errors by block id
    (empty when saved, or saved already)."""
    read = reader(values)
    key = key or read("team_key") or ""
    ws = caller.workspace_id
    now = services.now().astimezone(UTC)
    with services.db.scope() as session:
        if handled(session, event_id=submission_id):
            return {}
        existing = team_by_key(session, ws, key)
        if not may_set_up(services, session, caller, key if existing else None):
            return {"team_name": NOT_ALLOWED}
        if existing is None and read("team_key") is None:
            return {"team_name": "This team no longer exists."}
        if existing is not None and read("team_key") is not None:
            return {"team_key": f"There is already a team with the key {key!r}."}
        current = next((t for t in export_config(session, ws).teams if t.key == key), None)
        try:
            spec = TeamSpec.model_validate(_team_data(read, key, current, values))
        except ValidationError as exc:
            return _errors(exc)
        if not first_delivery(session, event_id=submission_id, now=now):
            return {}  # a twin recorded it (last guard; `handled` waits)
        apply_config(session, TendConfig(teams=[spec]), workspace_id=ws, now=now, how=BY_COACH)
    return {}


def reader(values: dict[str, Any]) -> Any:
    def read(block: str) -> Any:
        element = values.get(block, {}).get("value", {})
        for field in ("selected_users", "selected_user", "selected_conversation",
                      "selected_time", "selected_options"):
            if field in element:
                return element[field]
        if "selected_option" in element:
            return (element["selected_option"] or {}).get("value")
        value = element.get("value")
        return value.strip() if isinstance(value, str) and value.strip() else None
    return read


def _team_data(read: Any, key: str, current: TeamSpec | None, values: dict[str, Any]
               ) -> dict[str, Any]:
    managers = list(read("team_managers") or [])
    overrides = {m.id: m.manager for m in current.members} if current else {}
    members = [{"id": u, "manager": overrides[u]} if overrides.get(u) in managers else u
               for u in read("team_members") or []]
    data: dict[str, Any] = {
        "key": key, "name": read("team_name") or "", "channel": read("team_channel") or "",
        "timezone": read("team_timezone") or "", "managers": managers,
        "coaches": list(read("team_coaches") or []), "members": members, "rituals": {},
        "skip_dates": list(current.skip_dates) if current else [],
    }
    for part in registry.all_rituals():
        name = part.kind
        on = bool(read(f"{name}_on"))
        saved = ritual_spec_of(current, name) if current is not None else None
        if not on and saved is None:
            continue  # never switched on: stays out of the configuration
        ritual: dict[str, Any] = {"cadence": {"every": read(f"{name}_every"),
                                              "day": read(f"{name}_day"),
                                              "time": read(f"{name}_time")},
                                  "enabled": on, **_trial(read(f"{name}_trial")),
                                  **part.setup.read_extra(read, saved)}
        if part.prompts is not None:
            ritual["prompts"] = _read_prompts(part.prompts, name, read, values, saved)
        if part.team_level_key:
            data[name] = ritual
        else:
            data["rituals"][name] = ritual
    return data


def _trial(value: Any) -> dict[str, Any]:
    """The trial's cycles as a number (the schema refuses anything else), if given."""
    if value is None:
        return {}
    return {"trial": int(value) if str(value).isdigit() else value}


def _errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = tuple(error["loc"])
        block = _block_for(loc)
        message = str(error["msg"]).removeprefix("Value error, ")
        if "_prompts" in block and isinstance(loc[-1], int):  # one prompt: say which line
            message = f"Line {loc[-1] + 1}: {message}"
        errors.setdefault(block, message)
    return errors


def _block_for(loc: tuple[Any, ...]) -> str:
    if not loc:
        return "team_name"
    top = str(loc[0])
    if top in TEAM_FIELDS:
        return TEAM_FIELDS[top]
    part = registry.find(top)
    if part is not None and part.team_level_key:
        name, rest = top, [str(p) for p in loc[1:]]
    elif top == "rituals" and len(loc) > 1 and (part := registry.find(str(loc[1]))):
        name, rest = part.kind, [str(p) for p in loc[2:]]
    else:
        return "team_name"
    if rest[:1] == ["prompts"] and part.prompts is not None:
        role = rest[1] if part.prompts.roles and len(rest) > 1 else ""
        return prompt_block(name, role)
    if rest[:1] and rest[0] in part.setup.error_blocks:
        return part.setup.error_blocks[rest[0]]
    if rest[:1] == ["trial"]:
        return f"{name}_trial"
    if rest[:1] == ["cadence"] and len(rest) > 1:
        return f"{name}_{rest[1]}"
    return f"{name}_on"


def people_of_saved_team(services: Services, caller: Caller, view: dict[str, Any]
                         ) -> list[str]:
    """Everyone whose Home may show the team just saved (its roles, old and new)."""
    key = view.get("private_metadata") or reader(
        view.get("state", {}).get("values", {}))("team_key")
    with services.db.scope() as session:
        team = team_by_key(session, caller.workspace_id, key or "")
        people = {r.user_id for r in team.roles} if team else set()
    return sorted(people | {caller.user_id})
