"""The `tend` command line. Each subcommand is a small function; errors are one line."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from bot.runtime.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings

# The long-running (or scheduled) processes, whose logs go to a log shipper.
PROCESSES = frozenset({"serve", "socket", "clock", "tick"})
# Instants and months tend accepts: look-backs, look-aheads and local times around them
# must stay within the years Python's datetime can hold (1 to 9999).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)
# A Slack team id, as long as the columns that store it.
WORKSPACE_ID = re.compile(r"T[A-Z0-9]{1,31}")
# gunicorn's --workers and --threads for `tend serve`.
MAX_WORKERS, MAX_THREADS = 64, 256

if TYPE_CHECKING:  # imported when a command needs them, to keep `tend --help` fast
    from sqlalchemy.orm import Session

    from bot.app import Services
    from bot.storage.db import Database


class CliError(Exception):
    """A problem the user can fix; printed as one line, exit status 2."""


def _services(settings: Settings) -> Services:
    from bot.app import create_services

    return create_services(settings)


def _workspace(session: Session, args: argparse.Namespace) -> str:
    """`--workspace`, else the one workspace tend serves (several: the user must choose)."""
    from bot.storage.workspaces import WorkspaceUnclear, default_workspace

    if args.workspace:
        if not WORKSPACE_ID.fullmatch(args.workspace):
            raise CliError(f"--workspace {args.workspace[:40]!r} is not a Slack workspace id "
                           "(T… in capital letters and digits, at most 32 characters)")
        return str(args.workspace)
    try:
        return default_workspace(session)
    except WorkspaceUnclear as exc:
        raise CliError(f"tend serves several workspaces ({exc}): "
                       "say which with --workspace T…") from None


def _database(settings: Settings) -> Database:
    from bot.storage.db import Database

    return Database.from_url(settings.database_url)


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    from bot.storage.migrate import UnknownRevision, migrate_to

    try:
        at = migrate_to(settings.database_url, args.revision or "head")
    except UnknownRevision as exc:
        raise CliError(str(exc)) from None
    print(f"database is at revision {at}")


def cmd_manifest(settings: Settings, args: argparse.Namespace) -> None:
    from bot.slack.manifest import ManifestError, build_manifest

    try:
        manifest = build_manifest(name=args.name, public_url=args.url)
    except ManifestError as exc:
        raise CliError(f"--name: {exc}") from None
    print(json.dumps(manifest, indent=2))


def cmd_import(settings: Settings, args: argparse.Namespace) -> None:
    from bot.config.apply import apply_config
    from bot.config.loader import ConfigError, decode, load_config

    path = Path(args.file)
    try:
        config = load_config(decode(_read(path)))
    except ConfigError as exc:
        raise CliError(_rejected(path, exc.errors, "rejected, nothing changed")) from None
    with _database(settings).scope() as session:
        summary = apply_config(session, config, workspace_id=_workspace(session, args),
                               now=datetime.now(UTC))
    print("\n".join(summary.lines()))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


def _rejected(path: Path | str, errors: list[str], verdict: str) -> str:
    """One line for one problem; a list, one problem a line, for several."""
    if len(errors) == 1:
        return f"{path}: {verdict}: {errors[0]}"
    return "\n".join([f"{path}: {verdict}:"] + [f"  {e}" for e in errors])


def cmd_export(settings: Settings, args: argparse.Namespace) -> None:
    from bot.config.apply import export_config
    from bot.config.dump import dump_config
    from bot.storage.teams import all_teams

    with _database(settings).scope() as session:
        workspace_id = _workspace(session, args)
        if not all_teams(session, workspace_id):
            raise CliError("no teams yet: `tend import FILE` or `/tend setup` in Slack "
                           "creates one")
        if args.changelog:
            print(changelog_text(session, workspace_id), end="")
            return
        print(dump_config(export_config(session, workspace_id)), end="")


def changelog_text(session: Session, workspace_id: str) -> str:
    """Every team's changelog, oldest first: when, what, how; counts only for votes."""
    from bot.core.home_sections import changelog_lines
    from bot.storage.teams import all_teams

    out = []
    for team in all_teams(session, workspace_id):
        lines = changelog_lines(session, team)
        out.append(f"{team.key}:")
        out += [f"  {line.removeprefix('*Changes*: ')}" for line in reversed(lines)] or [
            "  (no changes recorded)"]
    return "\n".join(out) + "\n"


def cmd_export_user(settings: Settings, args: argparse.Namespace) -> None:
    from bot.core.export_user import export_user

    with _database(settings).scope() as session:
        export = export_user(session, _workspace(session, args), args.user_id)
        print(json.dumps(export, indent=2, ensure_ascii=False))


def cmd_tick(settings: Settings, args: argparse.Namespace) -> None:
    from bot.core.tick import run_tick

    now = _instant(args.at)  # before anything connects: a bad --at changes nothing
    report = run_tick(_services(settings), now=now)
    print(f"tick at {report.at.isoformat()}: {report.plan.planned} planned, "
          f"{report.plan.missed} missed, {report.send.sent} sent, {report.send.failed} failed, "
          f"{report.send.retrying} to retry")


def cmd_clock(settings: Settings, args: argparse.Namespace) -> None:
    from bot.runtime.clock import run_clock

    run_clock(_services(settings), interval_seconds=settings.tend_tick_seconds)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    from bot.runtime.http import serve

    for flag, value, most in (("--workers", args.workers, MAX_WORKERS),
                              ("--threads", args.threads, MAX_THREADS)):
        if not 1 <= value <= most:
            raise CliError(f"{flag} must be between 1 and {most}, not {value}")
    serve(settings, workers=args.workers, threads=args.threads, with_clock=args.with_clock)


def cmd_socket(settings: Settings, args: argparse.Namespace) -> None:
    from bot.runtime.socket_mode import socket_mode

    socket_mode(settings, with_clock=args.with_clock)


def cmd_digest(settings: Settings, args: argparse.Namespace) -> None:
    from bot.rituals import registry
    from bot.rituals.digest import flows as digests
    from bot.storage.teams import team_by_key

    if args.period is not None and not _is_month(args.period):
        raise CliError(f"--period {args.period!r} is not a month such as 2026-11 (from "
                       f"{EARLIEST.year} to {LATEST.year})")
    now = datetime.now(UTC)
    services = None if args.dry_run else _services(settings)
    db = services.db if services else _database(settings)
    with db.scope() as session:
        team = team_by_key(session, _workspace(session, args), args.team)
        if team is None:
            raise CliError(f"no team {args.team!r}: `tend export` lists the teams")
        window, calendar = digests.window_for(team, month=args.period, now=now)
        built = digests.build(session, team, window, registry.all_rituals(),
                              calendar=calendar)
        if args.dry_run:
            print(digests.digest_text(built))
            return
        fresh = digests.publish(session, team, built, now=now)
    if not fresh:
        print(f"the {window.period} digest of {args.team} was already posted; nothing sent")
        return
    from bot.core.sender import drain_outbox

    assert services is not None
    report = drain_outbox(services.db, services.slack, now=now)
    print(f"the {window.period} digest of {args.team}: {report.sent} sent, "
          f"{report.failed} failed")


def _is_month(value: str) -> bool:
    try:
        month = datetime.strptime(value, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        return False
    return len(value) == 7 and EARLIEST <= month <= LATEST


def cmd_demo(settings: Settings, args: argparse.Namespace) -> None:
    from bot.config.loader import ConfigError, decode
    from bot.demo.runner import run_demo

    if not 1 <= args.weeks <= 12:
        raise CliError("--weeks must be between 1 and 12")
    echo = (lambda _line: None) if args.quiet else print
    try:
        team_yaml = decode(_read(Path(args.team))) if args.team else None
        result = run_demo(team_yaml=team_yaml, weeks=args.weeks, out=Path(args.out),
                          echo=echo)
    except ConfigError as exc:
        raise CliError(_rejected(args.team, exc.errors, "rejected")) from None
    print(f"\n{result.ticks} ticks, {result.posts} messages from tend, {result.replies} "
          f"replies from the team, in {result.seconds:.1f} s.\n"
          f"Transcript: {result.transcript.resolve()} (open it in a browser)")


def _instant(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"--at {value!r} is not an ISO-8601 instant such as "
                       "2026-11-30T09:00:00+00:00") from None
    if moment.tzinfo is None:
        raise CliError(f"--at {value!r} needs a UTC offset, e.g. {value}+00:00")
    if not EARLIEST <= moment <= LATEST:
        raise CliError(f"--at {value!r} is outside the years {EARLIEST.year} to "
                       f"{LATEST.year} that tend can schedule in")
    return moment


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tend", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Callable[[Settings, argparse.Namespace], None],
            help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        return command

    serve = add("serve", cmd_serve, "serve Slack's HTTP requests (gunicorn) and /healthz")
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--threads", type=int, default=8)
    serve.add_argument("--with-clock", action="store_true", help="also run the clock in-process")
    socket = add("socket", cmd_socket, "connect to Slack over Socket Mode (no public URL)")
    socket.add_argument("--with-clock", action="store_true", help="also run the clock in-process")
    add("clock", cmd_clock, "run a tick every TEND_TICK_SECONDS (APScheduler)")
    migrate = add("migrate", cmd_migrate, "bring the database to the newest revision")
    migrate.add_argument("revision", nargs="?", default="head",
                         help="the revision to bring the database to, up or down "
                         "(default: head, the newest)")
    manifest = add("manifest", cmd_manifest, "print the Slack app manifest (JSON)")
    manifest.add_argument("--name", default="tend")
    manifest.add_argument("--url", help="public base URL for HTTP mode (omit for Socket Mode)")
    imp = add("import", cmd_import, "load teams and rituals from a YAML file")
    imp.add_argument("file")
    export = add("export", cmd_export, "print the configuration as YAML")
    export.add_argument("--changelog", action="store_true",
                        help="print each team's changelog instead: every change to its "
                        "rituals, when and how (by file import, by coach, by team vote)")
    tick = add("tick", cmd_tick, "run one clock tick")
    tick.add_argument("--at", help="the instant of the tick, ISO-8601 with offset (default: now)")
    digest = add("digest", cmd_digest, "build a team's digest (and post it unless --dry-run)")
    digest.add_argument("team", help="the team's key")
    digest.add_argument("--period", help="a month, YYYY-MM (default: the latest period)")
    digest.add_argument("--dry-run", action="store_true", help="print it; post nothing")
    demo = add("demo", cmd_demo, "simulate a team's month of tend, no Slack needed")
    demo.add_argument("--team", help="a teams YAML file to simulate (default: a demo team)")
    demo.add_argument("--out", default="tend-demo.html", help="where to write the transcript")
    demo.add_argument("--weeks", type=int, default=5)
    demo.add_argument("--quiet", action="store_true", help="print only the summary")
    export_user = add("export-user", cmd_export_user, "print everything stored about a person")
    export_user.add_argument("user_id")
    for command in (imp, export, digest, export_user):
        command.add_argument("--workspace", metavar="T…",
                             help="the Slack workspace (team id); needed only when tend "
                             "serves several")
    return parser


def _database_problem(exc: DBAPIError, database_url: str) -> str:
    """One line on why the database at DATABASE_URL cannot be used (no password shown)."""
    url = make_url(database_url)
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        folder = Path(url.database).parent
        if not folder.is_dir():
            return (f"DATABASE_URL {shown}: the folder {folder} does not exist; create it "
                    "or point DATABASE_URL elsewhere")
    reason = next((line.strip() for line in str(exc.orig).splitlines() if line.strip()),
                  type(exc.orig).__name__)
    return f"cannot use the database at DATABASE_URL {shown}: {reason}"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings: Settings | None = None
    try:
        settings = load_settings()
        # JSON lines (LOG_FORMAT) for the processes; a person at a terminal gets text.
        configure_logging(level=settings.log_level,
                          fmt=settings.log_format if args.command in PROCESSES else "text",
                          quiet_bot=args.command == "demo")  # the demo prints its own story
        args.handler(settings, args)
    except (SettingsError, CliError) as exc:
        print(f"tend: {exc}", file=sys.stderr)
        return 2
    except (OperationalError, InterfaceError) as exc:  # the database cannot be reached
        url = settings.database_url if settings else "?"
        print(f"tend: {_database_problem(exc, url)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `tend export | head`: the reader left; not an error
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
