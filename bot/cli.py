"""The ``goedwerk`` command: run | console | db | content | keys.

Errors a user can fix (a bad setting, broken content, an unreachable database) are
printed as clear lines on stderr with exit code 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from sqlalchemy.exc import OperationalError

from bot.logs import configure as configure_logging
from bot.settings import SettingsError, load_settings
from flows.content import ContentError, check_dir

EXIT_USAGE = 2


class UserError(Exception):
    """A problem the user can fix; its text is shown as is."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="goedwerk",
        description="A chat bot that helps a team talk about a critical collaboration situation "
                    "and turn it into a shared image of good work.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser("run", help="run the bot: Slack when Slack settings are present, else the local console",
                              description="Run the bot. With SLACK_* settings it serves Slack; without them it "
                                          "starts the local console on the configured database.")
    run.add_argument("--port", type=int, default=3000,
                     help="HTTP port for Slack's and Teams' requests (default 3000)")
    run.add_argument("--no-scheduler", action="store_true", help="do not run the dispatcher in this process")
    run.set_defaults(handler=_run)

    console = commands.add_parser("console", help="run a round in your terminal, no Slack needed",
                                  description="The local console: type /goedwerk help to begin. "
                                              "Reads a script from standard input when it is not a terminal.")
    console.add_argument("--user", default=None, help="who you are at the start (default: your login name)")
    console.add_argument("--channel", default="team", help="the channel at the start (default: team)")
    console.set_defaults(handler=_console)

    scheduler = commands.add_parser(
        "scheduler", help="run only the dispatcher of timed work (steps, reminders, closing, weekly prompts)",
        description="Run only the dispatcher: it sends what falls due. Any number of these (and of "
                    "`goedwerk run`) may share one PostgreSQL database; each action is sent once.")
    scheduler.set_defaults(handler=_scheduler)

    export = commands.add_parser(
        "export", help="write a channel's published images of good work (md, json or pdf)",
        description="Write a channel's published images of good work for the organisation's knowledge base.")
    export.add_argument("--channel", required=True, help="the channel id (Slack: C…; console: its name)")
    export.add_argument("--workspace", help="the workspace id, when the channel id is not unique")
    export.add_argument("--format", choices=("md", "json", "pdf"), default="md", help="output format (default md)")
    export.add_argument("--out", type=Path, help="a file (md, json) or folder (pdf); default: standard output")
    export.set_defaults(handler=_export)

    workspace = commands.add_parser("workspace", help="export or purge all data of one workspace (team)",
                                    description="An operator's tools for one workspace's data.")
    workspace_commands = workspace.add_subparsers(dest="workspace_command", metavar="ACTION", required=True)
    ws_export = workspace_commands.add_parser("export", help="write all of a workspace's data as JSON",
                                              description="Write all of a workspace's data as JSON (no tokens).")
    ws_export.add_argument("team", help="the workspace id (Slack: T…; console: local)")
    ws_export.add_argument("--platform", help="slack or console, when the id is not unique")
    ws_export.add_argument("--out", type=Path, help="a file; default: standard output")
    ws_export.set_defaults(handler=_workspace_export)
    ws_purge = workspace_commands.add_parser("purge", help="delete a workspace and everything under it",
                                             description="Delete a workspace, all its data and its Slack "
                                                         "installation. Prints counts only.")
    ws_purge.add_argument("team", help="the workspace id (Slack: T…; console: local)")
    ws_purge.add_argument("--platform", help="slack or console, when the id is not unique")
    ws_purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    ws_purge.set_defaults(handler=_workspace_purge)

    teams = commands.add_parser("teams", help="Microsoft Teams tools", description="Microsoft Teams tools.")
    teams_commands = teams.add_subparsers(dest="teams_command", metavar="ACTION", required=True)
    package = teams_commands.add_parser(
        "package", help="write the Teams app package an admin uploads",
        description="Write the Teams app package (manifest and icons, zipped) for the bot TEAMS_APP_ID at "
                    "GOEDWERK_PUBLIC_URL; a Teams admin uploads it to the organisation's app catalogue.")
    package.add_argument("--out", type=Path, default=Path("goedwerk-teams.zip"),
                         help="the zip file to write (default goedwerk-teams.zip)")
    package.set_defaults(handler=_teams_package)

    db = commands.add_parser("db", help="database migrations", description="Database migrations (Alembic).")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="upgrade the database to the latest schema",
                           description="Upgrade DATABASE_URL to the latest schema.").set_defaults(handler=_db_upgrade)
    db_commands.add_parser("current", help="show the database's schema revision",
                           description="Show the schema revision of DATABASE_URL.").set_defaults(handler=_db_current)
    db_commands.add_parser(
        "repair", help="queue the retention purge of closed rounds that have none",
        description="Find closed rounds whose contributions would never be purged (for example after a "
                    "crash) and queue their purge; also queue the daily sweep that does this. Prints counts.",
    ).set_defaults(handler=_db_repair)

    content = commands.add_parser("content", help="content packs", description="Content packs.")
    content_commands = content.add_subparsers(dest="content_command", metavar="ACTION", required=True)
    check = content_commands.add_parser(
        "check", help="validate a content pack",
        description="Validate a content pack. Without DIR: the built-in pack (and GOEDWERK_CONTENT_DIR). "
                    "DIR with pack.yaml: a whole pack; otherwise an organisation's own situations.")
    check.add_argument("dir", nargs="?", type=Path, help="the folder to check")
    check.set_defaults(handler=_content_check)

    keys = commands.add_parser(
        "keys", help="the keys that encrypt stored Slack tokens (GOEDWERK_SECRET_KEY)",
        description="The Fernet keys that encrypt the workspaces' Slack tokens in the database. "
                    "GOEDWERK_SECRET_KEY holds one or more keys separated by commas: the first "
                    "encrypts, all decrypt.")
    keys_commands = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    keys_commands.add_parser(
        "new", help="print a fresh key",
        description="Print a fresh Fernet key. To replace a key, put the new one first in "
                    "GOEDWERK_SECRET_KEY, run `goedwerk keys rotate`, then remove the old one.",
    ).set_defaults(handler=_keys_new)
    keys_commands.add_parser(
        "rotate", help="re-encrypt every stored token with the first key",
        description="Re-encrypt every stored Slack token with the first key of GOEDWERK_SECRET_KEY "
                    "(decrypting with any of its keys; tokens stored in plain text get encrypted). "
                    "Prints counts only, never a token.",
    ).set_defaults(handler=_keys_rotate)
    return parser


def _settings():
    try:
        return load_settings()
    except SettingsError as error:
        raise UserError(str(error)) from None


def _content_check(args) -> int:
    target = args.dir
    if target is None:
        target = _settings().content_dir
    if target is not None and not target.is_dir():
        raise UserError(f"{target}: not a directory")
    problems = check_dir(target)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return 1
    print("Content pack is valid.")
    return 0


def _db_upgrade(args) -> int:
    from flows.store import migrate

    settings = _settings()
    migrate.upgrade(settings.database_url)
    print(f"Database is at revision {migrate.current(settings.database_url)} (head).")
    return 0


def _db_current(args) -> int:
    from flows.store import migrate

    revision = migrate.current(_settings().database_url)
    print(revision or "empty database (no revision); run: goedwerk db upgrade")
    return 0


def _db_repair(args) -> int:
    from bot.repair import repair

    repaired = repair(_settings())
    print(f"Closed rounds: {repaired.closed_rounds}; purges queued again: {repaired.purges_queued}.")
    return 0


def _console(args) -> int:
    from bot.console.main import run_console

    return run_console(_settings(), user=args.user, channel=args.channel)


def _export(args) -> int:
    from bot.export import ExportError, export

    try:
        return export(_settings(), args.channel, args.format, args.out, args.workspace)
    except ExportError as error:
        raise UserError(str(error)) from None


def _keys_new(args) -> int:
    from bot.slack.token_crypto import new_key

    print(new_key())
    return 0


def _keys_rotate(args) -> int:
    from bot.slack import installation_tables
    from bot.slack.token_crypto import BOT_FIELDS, INSTALLATION_FIELDS, TokenCipher, TokenKeyError, rotate
    from flows.store.db import Database

    settings = _settings()
    if not settings.secret_key:
        raise UserError("GOEDWERK_SECRET_KEY is not set; make a key with: goedwerk keys new")
    db = Database(settings.database_url)
    try:
        counts = rotate(db.engine, [(installation_tables.bots, BOT_FIELDS),
                                    (installation_tables.installations, INSTALLATION_FIELDS)],
                        TokenCipher(settings.secret_key))
    except TokenKeyError as error:
        raise UserError(f"{error}; nothing was changed.") from None
    finally:
        db.dispose()
    print(f"Re-encrypted {counts.tokens} token(s) in {counts.rows} row(s) with the first key "
          f"({counts.plain} of them were stored in plain text).")
    return 0


def _workspace_db():
    from flows.store.db import Database

    return Database(_settings().database_url)


def _workspace_export(args) -> int:
    from bot import workspace_admin

    db = _workspace_db()
    try:
        text = workspace_admin.export(db, args.team, args.out, args.platform)
    except workspace_admin.WorkspaceAdminError as error:
        raise UserError(str(error)) from None
    finally:
        db.dispose()
    if args.out is None:
        print(text)
    return 0


def _workspace_purge(args) -> int:
    from bot import workspace_admin

    db = _workspace_db()
    try:
        found = workspace_admin.counts(db, args.team, args.platform)
        summary = ", ".join(f"{name} {count}" for name, count in found.items())
        if not args.yes:
            answer = input(f"Delete workspace {args.team} and all its data ({summary})? Type yes: ")
            if answer.strip().lower() != "yes":
                print("Nothing was deleted.")
                return 1
        found = workspace_admin.purge(db, args.team, args.platform)
    except workspace_admin.WorkspaceAdminError as error:
        raise UserError(str(error)) from None
    except EOFError:
        print("Nothing was deleted.")
        return 1
    finally:
        db.dispose()
    print("Deleted: " + ", ".join(f"{name} {count}" for name, count in found.items()))
    return 0


def _teams_package(args) -> int:
    from bot.teams.package import PackageError, write_package

    settings = _settings()
    try:
        out = write_package(args.out, settings.teams_app_id, settings.public_url)
    except PackageError as error:
        raise UserError(str(error)) from None
    except OSError as error:
        raise UserError(f"cannot write {args.out}: {error.strerror or error}") from None
    print(f"Wrote the Teams app package to {out}; upload it in the Teams admin center (Manage apps → Upload).")
    return 0


def _scheduler(args) -> int:
    from bot.scheduler import run_scheduler

    settings = _settings()
    _check_teams(settings)
    return run_scheduler(settings)


def _check_teams(settings) -> None:
    """Refuse to start with Teams settings that are half there."""
    if settings.teams_configured:
        from bot.teams.app import missing_settings

        missing = missing_settings(settings)
        if missing:
            raise UserError(f"{', '.join(missing)} needed to serve Microsoft Teams.")


def _run(args) -> int:
    settings = _settings()
    if not settings.slack_configured and not settings.teams_configured:
        print("No Slack or Teams settings found (SLACK_BOT_TOKEN, SLACK_CLIENT_ID, SLACK_APP_TOKEN or TEAMS_APP_ID): "
              f"starting the local console on {settings.database_url}.", file=sys.stderr)
        from bot.console.main import run_console

        return run_console(settings)
    parts = None
    if settings.teams_configured:
        from bot.teams.main import run_teams, teams_parts

        _check_teams(settings)
        if settings.slack_app_token:
            raise UserError("Teams needs goedwerk to serve HTTP, which Slack's Socket Mode (SLACK_APP_TOKEN) does not; "
                            "serve Slack over HTTP (SLACK_SIGNING_SECRET) to run both.")
        if not settings.slack_configured:
            return run_teams(settings, port=args.port, scheduler=not args.no_scheduler)
        parts = teams_parts(settings)
    from bot.slack.main import run_slack

    return run_slack(settings, port=args.port, scheduler=not args.no_scheduler, parts=parts)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging(logging.WARNING)
    try:
        return args.handler(args)
    except UserError as error:
        print(f"goedwerk: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ContentError as error:
        print("goedwerk: the content pack has problems:", file=sys.stderr)
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    except OperationalError as error:
        print(f"goedwerk: cannot use the database: {str(error.orig).splitlines()[0]}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
