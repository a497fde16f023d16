"""``cookiescan signatures ...``: list, show, check and import signatures; add public lists.

The group stands alone (``signatures_cli``); the main CLI attaches it with
``cli.add_command(signatures_cli)``. JSON goes to stdout, messages to stderr. Exit codes:
0 fine, 1 invalid signature files, 2 bad input (unknown id, unreadable CSV, a file that is
not in the list format given, an unknown list name).
"""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from typing import Any

import click

from . import CATEGORIES, SignatureDB, SignatureError, lists, load, ocd
from .errors import PackWriteError
from .listformats import FORMATS
from .loader import default_paths, iter_files, read_file


class BadInput(click.ClickException):
    """Bad input from the user: one ``Error: ...`` line, exit code 2 (no usage text)."""

    exit_code = 2


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _load() -> SignatureDB:
    try:
        return load()
    except SignatureError as exc:
        hint = "(run 'cookiescan signatures check' for every error)"
        raise click.ClickException(f"{exc}\n{hint}") from None


@click.group(name="signatures")
def signatures_cli() -> None:
    """The service signature database: list, show, check and import signatures

    Own services live in signatures/services/*.toml; imported packs in the user data dir
    ($XDG_DATA_HOME/cookiescan/signatures), public tracker lists (add-list) in its lists/.
    """


@signatures_cli.command(name="list")
@click.option(
    "--category",
    type=click.Choice(sorted(CATEGORIES)),
    help="Only services of this category.",
)
def list_services(category: str | None) -> None:
    """List every service as JSON: id, name, category, vendor, and the pack it came from

    The installed public lists are named on stderr, one line each with its entry count:
    they name services only when a scan meets one of their hosts.

    Example:

    \b
        cookiescan signatures list --category consent
    """
    db = _load()
    rows = [
        {
            "id": s.id,
            "name": s.name,
            "category": s.category,
            "vendor": s.vendor.get("name"),
            "pack": s.pack,
        }
        for s in db.services
        if category is None or s.category == category
    ]
    _dump(rows)
    for public in getattr(db, "public_lists", ()):
        info = public.info
        click.echo(
            f"public list {info.name} ({info.format}, {info.title}): {info.entries} entries, "
            "asked after these services",
            err=True,
        )


@signatures_cli.command()
@click.argument("service_id", metavar="ID")
def show(service_id: str) -> None:
    """Show every fact of one service as JSON

    Example:

    \b
        cookiescan signatures show mailjet
    """
    db = _load()
    if service_id not in db:
        near = difflib.get_close_matches(service_id, [s.id for s in db.services], n=3)
        hint = f" Did you mean: {', '.join(near)}?" if near else ""
        raise click.BadParameter(
            f"no service {service_id!r}.{hint} ('cookiescan signatures list' lists them)",
            param_hint="ID",
        )
    _dump(db.service(service_id).to_dict())


@signatures_cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
def check(paths: tuple[str, ...]) -> None:
    """Validate every signature file and pack; exit 1 on any error

    Checks each file against the schema, then across files: an id or a host may belong to
    one own service only. Without PATHS: the bundled services, the user data dir, and the
    installed public lists (one line each with its entry count; a corrupt one is an error).

    Example:

    \b
        cookiescan signatures check
        cookiescan signatures check signatures/services/mailjet.toml
    """
    errors: list[str] = []
    warnings: list[str] = []
    services = []
    files = 0
    try:
        file_list = list(iter_files(paths or default_paths()))
    except SignatureError as exc:
        raise click.BadParameter(str(exc), param_hint="PATHS") from None
    for path in file_list:
        files += 1
        try:
            services.extend(read_file(path))
        except SignatureError as exc:
            errors.append(str(exc))
    errors.extend(_cross_file_errors(services, warnings))
    checked = [] if paths else _check_lists(errors)
    for message in errors:
        click.echo(f"error: {message}", err=True)
    for message in warnings:
        click.echo(f"warning: {message}", err=True)
    imported = sum(s.imported for s in services)
    for info in checked:
        click.echo(f"public list {info.name} ({info.format}, {info.title}): {info.entries} entries")
    found = len(lists.list_files()) if not paths else 0
    listed = f", {found} public list{'s' if found != 1 else ''}" if found else ""
    click.echo(
        f"{files} files, {len(services) - imported} own services, {imported} imported{listed}: "
        f"{len(errors)} error(s), {len(warnings)} warning(s)"
    )
    if errors:
        raise click.exceptions.Exit(1)


def _check_lists(errors: list[str]) -> list[lists.ListInfo]:
    """Read and compile every installed public list (adblock filters included); each corrupt
    one adds its one-line error."""
    checked = []
    for path in lists.list_files():
        try:
            checked.append(lists.PublicList(lists.read_compiled(path), path).info)
        except SignatureError as exc:
            errors.append(str(exc))
    return checked


def _cross_file_errors(services: list[Any], warnings: list[str]) -> list[str]:
    """Conflicts between files (each reported, unlike ``load`` which stops at the first)."""
    errors: list[str] = []
    ids: dict[tuple[bool, str], str] = {}
    hosts: dict[str, str] = {}
    cookies: dict[str, list[str]] = defaultdict(list)
    for s in services:
        key = (s.imported, s.id)
        if key in ids:
            errors.append(f"{s.origin}: id {s.id!r} is already defined by {ids[key]}")
            continue
        ids[key] = s.origin
        if s.imported:
            continue
        for host in s.hosts:
            if host in hosts and hosts[host] != s.origin:
                errors.append(
                    f"{s.origin}: 'hosts' {host!r} is already claimed by {hosts[host]} "
                    "(a host belongs to one service alone)"
                )
            hosts.setdefault(host, s.origin)
        for cookie in s.data.get("cookies", []):
            if cookie.get("match", "exact") == "exact" and not cookie.get("domain"):
                cookies[cookie["name"]].append(s.id)
    for name, owners in sorted(cookies.items()):
        if len(set(owners)) > 1:
            warnings.append(
                f"cookie {name!r} is claimed by {', '.join(sorted(set(owners)))} "
                "(the first loaded wins; give each a 'domain' if they differ)"
            )
    return errors


@signatures_cli.command(name="import-ocd")
@click.argument("csv_file", metavar="FILE.csv", type=click.Path(dir_okay=False))
@click.option(
    "--dest",
    type=click.Path(file_okay=False),
    help="Directory to write the pack to (default: the user data dir).",
)
def import_ocd(csv_file: str, dest: str | None) -> None:
    """Import the Open Cookie Database CSV as a signature pack (Apache-2.0)

    Writes open-cookie-database.toml to the user data dir (or --dest) and prints what it
    counted as JSON. Our own services keep precedence over the imported ones.

    Example:

    \b
        cookiescan signatures import-ocd open-cookie-database.csv
    """
    try:
        report = ocd.import_csv(csv_file, dest)
    except ocd.PackWriteError as exc:
        raise click.BadParameter(str(exc), param_hint="--dest") from None
    except SignatureError as exc:
        raise click.BadParameter(str(exc), param_hint="FILE.csv") from None
    click.echo(f"wrote {report.path}", err=True)
    _dump(report.to_dict())


@signatures_cli.command(name="add-list")
@click.argument("file", metavar="FILE", type=click.Path())
@click.option(
    "--format",
    "fmt",
    required=True,
    type=click.Choice(FORMATS),
    help="The list's format: Adblock Plus filters, Disconnect services.json, DuckDuckGo "
    "Tracker Radar (tds.json or its domains folder), Ghostery trackerdb.json.",
)
@click.option("--name", help="Name to install it under (default: the format's name).")
def add_list(file: str, fmt: str, name: str | None) -> None:
    """Install a public tracker list you downloaded (used after our own signatures)

    The list is compiled into the user data dir; a list of the same name is replaced. A
    request that no signature of ours matches is then named by the list's organisation and
    category. The lists are not bundled: their licences apply to your use of them.

    Example:

    \b
        cookiescan signatures add-list easyprivacy.txt --format easyprivacy
        cookiescan signatures add-list services.json --format disconnect
    """
    try:
        info = lists.add_list(file, fmt, name)
    except PackWriteError as exc:
        raise click.ClickException(str(exc)) from None
    except SignatureError as exc:
        raise BadInput(str(exc)) from None
    click.echo(f"installed {info.name}: {info.entries} entries ({info.licence})", err=True)
    _dump(info.to_dict())


@signatures_cli.command(name="lists")
def show_lists() -> None:
    """List the installed public tracker lists as JSON: name, format, entries, licence

    Example:

    \b
        cookiescan signatures lists
    """
    try:
        rows = [info.to_dict() for info in lists.installed()]
    except SignatureError as exc:
        raise click.ClickException(str(exc)) from None
    if rows:
        click.echo("reminder: these lists are not bundled; their licences apply", err=True)
    _dump(rows)


@signatures_cli.command(name="remove-list")
@click.argument("name", metavar="NAME")
def remove_list(name: str) -> None:
    """Remove an installed public tracker list

    Example:

    \b
        cookiescan signatures remove-list easyprivacy
    """
    try:
        path = lists.remove_list(name)
    except PackWriteError as exc:
        raise click.ClickException(str(exc)) from None
    except SignatureError as exc:
        raise BadInput(str(exc)) from None
    click.echo(f"removed {path}", err=True)
