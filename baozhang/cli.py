"""The `baozhang` console command (docs/cli.md).

Exit codes: 0 done, 1 the action failed or was refused, 2 the command line was wrong (an unknown
option, organisation, login or file). Messages are in BAOZHANG_LANGUAGE, else the site language.
"""

import argparse
import gc
import getpass
import json
import os
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from gunicorn.app.base import BaseApplication

import baozhang
from baozhang.core.supervisor import Supervisor

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_WEB_WORKERS = 2


class CommandFailed(Exception):
    """The command cannot go on; the message is for the person at the console."""

    def __init__(self, message: str, *, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def main(argv: list[str] | None = None) -> int:
    """Run one `baozhang` subcommand and return its exit code."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from django.conf import settings
    from django.utils import translation

    with translation.override(os.environ.get("BAOZHANG_LANGUAGE") or settings.LANGUAGE_CODE):
        return _run(argv)


def _run(argv: list[str] | None) -> int:
    from django.core.management.base import CommandError

    parser = _parser()
    try:
        arguments, extra = parser.parse_known_args(argv)
    except SystemExit as exit:  # --help, or a usage error that argparse has already explained
        return exit.code if isinstance(exit.code, int) else 0 if exit.code is None else 2
    if extra and arguments.command != "worker":
        parser.print_usage(sys.stderr)
        print(
            _("Unknown arguments: %(arguments)s") % {"arguments": " ".join(extra)}, file=sys.stderr
        )
        return 2
    try:
        return arguments.handler(arguments, extra)
    except CommandFailed as failure:
        print(failure, file=sys.stderr)
        return failure.exit_code
    except CommandError as error:
        print(error, file=sys.stderr)
        return 1


# The parser ------------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _add_address(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (%(default)s)")
    parser.add_argument(
        "--port", type=_positive_int, default=DEFAULT_PORT, help="port to listen on (%(default)s)"
    )


def _command(commands, name: str, handler: Callable, summary: str, details: str = ""):
    parser = commands.add_parser(name, help=summary, description=f"{summary} {details}".strip())
    parser.set_defaults(handler=handler)
    return parser


def _parser() -> argparse.ArgumentParser:
    from baozhang.core.transfers import transfers_all
    from baozhang.orgs.models import OrganisationKind

    parser = argparse.ArgumentParser(
        prog="baozhang",
        description="Baozhang (保障) service assurance: run the server, set up organisations, "
        "import and export workbooks, back up and restore. See docs/cli.md.",
    )
    parser.add_argument("--version", action="version", version=f"baozhang {baozhang.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = _command(
        commands, "serve", _serve_command, "Migrate the database, then run the web server.",
        "Serves with gunicorn and, unless --no-worker, runs a background task worker beside it.",
    )  # fmt: skip
    _add_address(serve)
    serve.add_argument(
        "--workers", type=_positive_int, default=DEFAULT_WEB_WORKERS,
        help="web server processes (%(default)s)",
    )  # fmt: skip
    serve.add_argument(
        "--no-worker", action="store_true",
        help="do not start the background task worker (run `baozhang worker` elsewhere)",
    )  # fmt: skip

    demo = _command(
        commands, "demo", _demo_command, "Create the demo organisations and logins, then serve.",
        "Running it again keeps the data that is already there.",
    )  # fmt: skip
    _add_address(demo)
    demo.add_argument("--no-serve", action="store_true", help="prepare the demo data only")

    _command(commands, "migrate", _migrate_command, "Bring the database schema up to date.")

    admin = _command(
        commands, "createadmin", _createadmin_command, "Create a platform administrator login.",
        "Without --password it asks for the password in a terminal.",
    )  # fmt: skip
    admin.add_argument("--username", default="admin", help="login name (%(default)s)")
    admin.add_argument("--email", default="", help="e-mail address")
    admin.add_argument("--password", help="password; prefer the prompt, the process list shows it")

    org = commands.add_parser(
        "org", help="Create and list organisations.", description="Create and list organisations."
    )
    org_commands = org.add_subparsers(dest="org_command", required=True, metavar="COMMAND")
    org_create = _command(org_commands, "create", _org_create_command, "Create an organisation.")
    org_create.add_argument("--slug", required=True, help="short name used in URLs and --org")
    org_create.add_argument("--name", required=True, help="full name")
    org_create.add_argument(
        "--kind", choices=OrganisationKind.values, default=OrganisationKind.OTHER,
        help="one of %(choices)s (%(default)s)",
    )  # fmt: skip
    org_list = _command(org_commands, "list", _org_list_command, "List the organisations.")
    org_list.add_argument("--json", action="store_true", help="print a JSON list")

    kinds = [transfer.kind for transfer in transfers_all()]
    for name, handler, summary in (
        (
            "import",
            _import_command,
            "Import a workbook (.xlsx) into an organisation, all or nothing.",
        ),
        ("export", _export_command, "Export an organisation's records to a workbook (.xlsx)."),
    ):
        transfer = _command(commands, name, handler, summary, "The format is in docs/formats.md.")
        transfer.add_argument("kind", choices=kinds, metavar="KIND", help="one of %(choices)s")
        transfer.add_argument("file", metavar="FILE", help="the workbook")
        transfer.add_argument("--org", required=True, help="the organisation's short name")
        if name == "import":
            transfer.add_argument("--user", help="login recorded in the history as the author")
            transfer.add_argument(
                "--allow-duplicates",
                action="store_true",
                help="findings: store rows the same as findings already recorded (or as earlier"
                " rows), which are otherwise refused as duplicates",
            )

    backup = _command(
        commands, "backup", _backup_command, "Write the database and uploaded files to a .tar.gz.",
        "Safe while the server runs.",
    )  # fmt: skip
    backup.add_argument("file", metavar="FILE", help="the backup to write, e.g. baozhang.tar.gz")
    restore = _command(
        commands, "restore", _restore_command, "Replace all data and files with a backup's.",
        "Stop the server first. A file that is not a backup of this database changes nothing.",
    )  # fmt: skip
    restore.add_argument("file", metavar="FILE", help="a backup written by `baozhang backup`")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    _command(
        commands, "worker", _worker_command, "Run the background task worker.",
        "Other options go to django-tasks-db's db_worker: --queue-name, --interval, --batch, "
        "--max-tasks, --worker-id. Unless --batch, it also enqueues the clock tick every minute, "
        "which runs the periodic jobs (red flags at a week's close, the plan of expected checks).",
    )  # fmt: skip
    figures = _command(
        commands, "figures", _figures_command, "Print the figures of a report.",
        "For an organisation (or one of its sites, units or area types) and a period, with the "
        "previous period and the same period a year earlier (docs/reports.md).",
    )  # fmt: skip
    figures.add_argument("--org", required=True, help="the organisation's short name")
    figures.add_argument(
        "--period", required=True,
        help="2026-W47, 2026-11, 2026-Q4, 2026-H2, 2026 or 2026-09-01..2027-01-20",
    )  # fmt: skip
    figures.add_argument("--site", help="a site's code")
    figures.add_argument("--unit", help="a unit's code")
    figures.add_argument("--area-type", help="an area type's code")
    figures.add_argument("--json", action="store_true", help="print the figures as JSON")

    tick = _command(
        commands, "tick", _tick_command, "Run the periodic jobs that are due, once.",
        "For cron instead of a worker, or to catch up by hand. Prints each job's result.",
    )  # fmt: skip
    tick.add_argument(
        "--at", type=_moment, help="the moment to run at, e.g. 2026-11-23T08:00 (default: now)"
    )
    tick.add_argument(
        "--force", action="store_true", help="run every job even if it ran a short while ago"
    )
    return parser


def _moment(text: str):
    from datetime import datetime

    from django.utils import timezone

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("not a date and time like 2026-11-23T08:00: %(text)s") % {"text": text}
        ) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


# Serving ---------------------------------------------------------------------------------------


class WebServer(BaseApplication):
    """gunicorn with our options, loading config.wsgi in each web process."""

    def __init__(self, options: dict[str, Any]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # control_socket_disable is new in gunicorn 25.1
                self.cfg.set(key, value)

    def load(self):
        from django.urls import get_resolver

        from config.wsgi import application

        # Import every view and API schema now, then leave these long-lived objects out of the
        # garbage collector's rounds: a full round over them paused a web process for up to a
        # tenth of a second, and every request waiting on that process with it.
        get_resolver().url_patterns  # noqa: B018 - loads the URL configuration
        gc.collect()
        gc.freeze()
        return application


def _migrate() -> None:
    from django.core.management import call_command

    from baozhang.core.db_statistics import statistics_ensure

    call_command("migrate", interactive=False, verbosity=1)
    call_command("createcachetable")
    statistics_ensure()


def _serve(*, host: str, port: int, workers: int, with_worker: bool) -> int:
    from django.db import connections

    # The web processes are forked from this one; they must not share its database connection.
    connections.close_all()
    bracketed = f"[{host}]" if ":" in host else host
    options = {
        "bind": [f"{bracketed}:{port}"],
        "workers": workers,
        "accesslog": "-",
        "errorlog": "-",
        "proc_name": "baozhang",
        # gunicorn's control socket lives in $HOME: two servers of one user would fight over it.
        "control_socket_disable": True,
    }
    print(
        _("Baozhang is running at %(address)s (Ctrl+C stops it).")
        % {"address": f"http://{bracketed}:{port}/"},
        flush=True,
    )
    # The worker runs in a process of its own, started again whenever it stops.
    supervisor = Supervisor(_worker_start).start() if with_worker else None
    try:
        WebServer(options).run()
    except SystemExit as exit:  # gunicorn leaves through sys.exit, also on a clean stop
        return exit.code if isinstance(exit.code, int) else 0 if exit.code is None else 1
    finally:
        if supervisor is not None:
            supervisor.stop()
    return 0


def _worker_start() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "baozhang.cli", "worker"])  # noqa: S603


def _serve_command(arguments: argparse.Namespace, extra: list[str]) -> int:
    _migrate()
    return _serve(
        host=arguments.host,
        port=arguments.port,
        workers=arguments.workers,
        with_worker=not arguments.no_worker,
    )


def _demo_command(arguments: argparse.Namespace, extra: list[str]) -> int:
    from baozhang import demo

    _migrate()
    print(_("Preparing the demo data…"), flush=True)
    result = demo.demo_build()
    if result["created"]:
        print(_("The demo data was created."))
    else:
        print(_("The demo data was already there and is used as it is."))
    print(_("Demo logins (login, password, who):"))
    logins = [(username, password, str(who)) for username, password, who in result["logins"]]
    print(_table(logins, indent="  "))
    host = f"[{arguments.host}]" if ":" in arguments.host else arguments.host
    print(_("Open %(address)s") % {"address": f"http://{host}:{arguments.port}/"}, flush=True)
    if arguments.no_serve:
        return 0
    return _serve(
        host=arguments.host, port=arguments.port, workers=DEFAULT_WEB_WORKERS, with_worker=True
    )


def _migrate_command(arguments: argparse.Namespace, extra: list[str]) -> int:
    _migrate()
    return 0


def _worker_command(arguments: argparse.Namespace, extra: list[str]) -> int:
    from django.core.management import call_command

    from baozhang.core import worker

    call_command(worker.Command(), *extra)
    return 0


def _tick_command(arguments: argparse.Namespace, extra: list[str]) -> int:
    from baozhang.core.clock import tick

    labels = {"ran": _("ran"), "skipped": _("skipped"), "failed": _("failed")}
    outcomes = tick(arguments.at, force=arguments.force)
    for name, outcome in outcomes.items():
        print(f"{name}\t{labels[outcome.status]}\t{outcome.result}".rstrip())
    return 1 if any(outcome.status == "failed" for outcome in outcomes.values()) else 0


# Logins and organisations ----------------------------------------------------------------------


def _validation_text(error) -> str:
    if hasattr(error, "error_dict"):
        return "\n".join(
            f"{field}: {message}" if field != "__all__" else message
            for field, messages in error.message_dict.items()
            for message in messages
        )
    return "\n".join(error.messages)


def _createadmin_command(arguments: argparse.Namespace, extra: list[str]) -> int:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from baozhang.orgs.models import User

    if User.objects.filter(username=arguments.username).exists():
        raise CommandFailed(
            _("A login named “%(username)s” already exists.") % {"username": arguments.username}
        )
    password = arguments.password
    if password is None:
        if not sys.stdin.isatty():
            raise CommandFailed(
                _("Give the password with --password, or run this in a terminal to be asked."),
                exit_code=2,
            )
        password = getpass.getpass(_("Password: "))
        if getpass.getpass(_("Password (again): ")) != password:
            raise CommandFailed(_("The two passwords differ; nothing was created."))
    user = User(
        username=arguments.username, email=arguments.email, is_staff=True, is_superuser=True
    )
    try:
        user.full_clean(exclude=["password"])
        validate_password(password, user)
    except ValidationError as error:
        raise CommandFailed(_validation_text(error)) from error
    user.set_password(password)
    user.save()
    print(_("Created the administrator login “%(username)s”.") % {"username": user.username})
    return 0


def _figures_command(arguments: argparse.Namespace, extra: list[str]) -> int:
    from django_scopes import scope

    from baozhang.core.periods import period_error, period_parse
    from baozhang.reports.figures import ScopeUnknown, figures_compute, scope_resolve
    from baozhang.reports.summary import figures_text

    organisation = _organisation(arguments.org)
    try:
        period = period_parse(arguments.period)
    except ValueError as error:
        raise CommandFailed(period_error(arguments.period), exit_code=2) from error
    with scope(organisation=organisation):
        try:
            chosen = scope_resolve(
                organisation=organisation,
                site=arguments.site,
                unit=arguments.unit,
                area_type=arguments.area_type,
            )
        except ScopeUnknown as error:
            raise CommandFailed(str(error), exit_code=2) from error
        figures = figures_compute(scope=chosen, period=period)
    if arguments.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print(figures_text(figures))
    return 0


def _org_create_command(arguments: argparse.Namespace, extra: list[str]) -> int:
    from django.core.exceptions import ValidationError

    from baozhang.orgs.services import organisation_create

    try:
        organisation = organisation_create(
            slug=arguments.slug, name=arguments.name, kind=arguments.kind
        )
    except ValidationError as error:
        raise CommandFailed(_validation_text(error)) from error
    print(
        _("Created the organisation %(name)s (%(slug)s).")
        % {"name": organisation.name, "slug": organisation.slug}
    )
    return 0


def _org_list_command(arguments: argparse.Namespace, extra: list[str]) -> int:
    from baozhang.orgs.models import Organisation

    organisations = list(Organisation.objects.order_by("slug"))
    if arguments.json:
        rows = [{"slug": o.slug, "name": o.name, "kind": o.kind} for o in organisations]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not organisations:
        print(_("There are no organisations yet; create one with `baozhang org create`."))
    else:
        header = (_("Short name"), _("Name"), _("Kind"))
        rows = [(o.slug, o.name, str(o.get_kind_display())) for o in organisations]
        print(_table([header, *rows]))
    return 0


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _table(rows: list[tuple[str, ...]], indent: str = "") -> str:
    widths = [max(_width(row[index]) for row in rows) for index in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)
        ]
        lines.append(indent + "  ".join(cells).rstrip())
    return "\n".join(lines)


# Workbooks -------------------------------------------------------------------------------------


def _organisation(slug: str):
    from baozhang.orgs.models import Organisation

    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise CommandFailed(
            _("There is no organisation with the short name “%(slug)s” (see `baozhang org list`).")
            % {"slug": slug},
            exit_code=2,
        )
    return organisation


def _login(username: str | None):
    from baozhang.orgs.models import User

    if not username:
        return None
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandFailed(
            _("There is no login named “%(username)s”.") % {"username": username}, exit_code=2
        )
    return user


def _existing_file(name: str) -> Path:
    path = Path(name)
    if not path.is_file():
        raise CommandFailed(_("There is no file %(file)s.") % {"file": path}, exit_code=2)
    return path


def _import_command(arguments: argparse.Namespace, extra: list[str]) -> int:
    from django_scopes import scope

    from baozhang.core.transfers import import_options_chosen, transfer_for_kind
    from baozhang.core.xlsx import ImportRejected
    from baozhang.orgs.imports import rejected_lines

    transfer = transfer_for_kind(arguments.kind)
    if transfer is None or transfer.import_file is None:
        raise CommandFailed(
            _("%(kind)s cannot be imported.") % {"kind": arguments.kind}, exit_code=2
        )
    organisation = _organisation(arguments.org)
    author = _login(arguments.user)
    path = _existing_file(arguments.file)
    try:
        with scope(organisation=organisation), path.open("rb") as upload:
            result = transfer.import_file(
                organisation=organisation,
                upload=upload,
                by=author,
                **import_options_chosen(
                    transfer, ["allow_duplicates"] if arguments.allow_duplicates else []
                ),
            )
    except ImportRejected as rejected:
        print(_("Nothing was imported. Correct these rows and import again:"), file=sys.stderr)
        for line in rejected_lines(rejected):  # a large file's first problems, and how many
            print(f"  {line}", file=sys.stderr)
        return 1
    print(
        _("Imported %(kind)s into %(organisation)s: %(created)s new, %(updated)s updated.")
        % {
            "kind": transfer.title,
            "organisation": organisation.name,
            "created": result.created,
            "updated": result.updated,
        }
    )
    return 0


def _export_command(arguments: argparse.Namespace, extra: list[str]) -> int:
    from django_scopes import scope

    from baozhang.core.transfers import transfer_for_kind

    transfer = transfer_for_kind(arguments.kind)
    if transfer is None or transfer.export_file is None:
        raise CommandFailed(
            _("%(kind)s cannot be exported.") % {"kind": arguments.kind}, exit_code=2
        )
    organisation = _organisation(arguments.org)
    target = Path(arguments.file).resolve()
    if not target.parent.is_dir():
        raise CommandFailed(
            _("The folder %(folder)s does not exist.") % {"folder": target.parent}, exit_code=2
        )
    # Written beside the target and renamed: an interrupted export leaves no broken workbook.
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with scope(organisation=organisation), temporary.open("xb") as output:
            transfer.export_file(organisation=organisation, target=output)
        temporary.replace(target)
    except OSError as error:
        raise CommandFailed(
            _("The workbook could not be written: %(error)s") % {"error": error}
        ) from error
    finally:
        temporary.unlink(missing_ok=True)
    print(
        _("Exported %(kind)s of %(organisation)s to %(file)s.")
        % {"kind": transfer.title, "organisation": organisation.name, "file": target}
    )
    return 0


# Backups ---------------------------------------------------------------------------------------


def _backup_command(arguments: argparse.Namespace, extra: list[str]) -> int:
    from baozhang.core.backup import BackupError, backup_create

    try:
        manifest = backup_create(arguments.file)
    except (BackupError, OSError) as error:
        raise CommandFailed(_("No backup was written: %(error)s") % {"error": error}) from error
    print(
        _("Backup written to %(file)s: %(rows)s rows in %(tables)s tables, %(files)s files.")
        % {
            "file": Path(arguments.file).resolve(),
            "rows": sum(manifest["tables"].values()),
            "tables": len(manifest["tables"]),
            "files": len(manifest["media_files"]),
        }
    )
    return 0


def _restore_command(arguments: argparse.Namespace, extra: list[str]) -> int:
    from baozhang.core.backup import BackupError, backup_restore

    path = _existing_file(arguments.file)
    if not arguments.yes and sys.stdin.isatty():
        answer = input(
            _("This replaces ALL data and uploaded files with the backup's. Type yes to go on: ")
        )
        if answer.strip().lower() != "yes":
            print(_("Nothing was restored."))
            return 1
    try:
        restored = backup_restore(path)
    except (BackupError, OSError) as error:
        raise CommandFailed(str(error)) from error
    # What the restored database and folder hold, counted after the restore.
    print(
        _("Restored the backup of %(created_at)s: %(rows)s rows, %(files)s files.")
        % {
            "created_at": restored["created_at"],
            "rows": sum(restored["tables"].values()),
            "files": restored["media_files"],
        }
    )
    if restored["pending_migrations"]:
        print(
            ngettext(
                "The backup's database lacks %(count)s migration of this Baozhang: "
                "run `baozhang migrate`.",
                "The backup's database lacks %(count)s migrations of this Baozhang: "
                "run `baozhang migrate`.",
                restored["pending_migrations"],
            )
            % {"count": restored["pending_migrations"]}
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
