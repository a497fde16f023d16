"""Commands over the scan history: ``history list|show|export`` and ``diff``.

Attached to the main CLI by ``scanner.cli``; their options are shared with the other commands
through ``scanner.cli.common``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import click

from scanner.cli.common import (
    db_option,
    echo_json,
    echo_text,
    load_result,
    output_options,
    store_errors,
    write_output,
)


@click.group()
def history() -> None:
    """The scan history: every scan recorded, by site and time

    Example:

    \b
        cookiescan history list --site www.example.com
        cookiescan history show 12 --format html -o scan-12.html
        cookiescan history export --site www.example.com -o history.csv
        cookiescan history export --site www.example.com --format html -o report.html
    """


LIST_FIELDS = [
    "id",
    "site",
    "started_at",
    "complete",
    "source",
    "pages",
    "page_errors",
    "cookies",
    "services",
    "findings",
]


@history.command("list")
@click.option("--site", help="Only this site: a start URL or a host name.")
@click.option("--limit", type=click.IntRange(1), help="At most this many scans.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "table"]),
    default="json",
    show_default=True,
    help="Output format.",
)
@db_option
@store_errors
def history_list(site: str | None, limit: int | None, fmt: str, db: str | None) -> None:
    """List recorded scans, newest first

    Example:

    \b
        cookiescan history list --site https://www.example.com/ --format table
    """
    from scanner.fleet import history as store

    rows = store.list_scans(db, site=site, limit=limit)
    if fmt == "json":
        echo_json(rows, None)
    elif fmt == "csv":
        echo_text(_csv(rows, [c.name for c in store.SUMMARY_COLUMNS]), nl=False)
    else:
        for row in rows:
            echo_text(
                f"{row['id']:>5}  {row['started_at'][:19]}  {row['site']}  {row['pages']} pages, "
                f"{row['cookies']} cookies, {row['services']} services, "
                f"{row['findings']} findings" + ("" if row["complete"] else "  (incomplete)")
            )


@history.command("show")
@click.argument("scan_id", type=int)
@output_options
@db_option
@store_errors
def history_show(scan_id: int, fmt: str, output: str | None, db: str | None) -> None:
    """Print a recorded scan's full result (JSON, or --format csv/html)

    Example:

    \b
        cookiescan history show 12 --format html -o scan-12.html
    """
    from scanner.fleet import history as store

    try:
        result = store.load(scan_id, db)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="SCAN_ID") from None
    write_output(result, fmt, output)


@history.command("export")
@click.option("--site", required=True, help="The site: a start URL or a host name.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "html", "md"]),
    default="csv",
    show_default=True,
    help="csv: one row per scan. html, md: the latest scan's report, with what changed "
    "since the scan before it.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write here instead of stdout.",
)
@db_option
@store_errors
def history_export(site: str, fmt: str, output: str | None, db: str | None) -> None:
    """Export a site's history: a CSV row per scan, or the latest report with its changes

    The CSV has one row per scan, oldest first, with counts of what changed since the
    scan before. The HTML and Markdown reports are of the latest scan and open with
    "Changes since the previous scan".

    Example:

    \b
        cookiescan history export --site www.example.com -o history.csv
        cookiescan history export --site www.example.com --format html -o report.html
    """
    from scanner.analyse.diff import diff_results, inventory
    from scanner.fleet import history as store

    newest_first = store.list_scans(db, site=site)
    if not newest_first:
        raise click.UsageError(f"no scans of {site} in the history")
    if fmt != "csv":
        latest = store.load(newest_first[0]["id"], db)
        if len(newest_first) < 2:
            click.echo(f"{site}: only one scan in the history, no changes to show", err=True)
            _write_report(latest, fmt, output, None)
        else:
            previous = store.load(newest_first[1]["id"], db)
            _write_report(latest, fmt, output, diff_results(previous, latest))
        return
    rows = list(reversed(newest_first))  # oldest first
    out_rows: list[dict[str, Any]] = []
    before = None
    for row in rows:
        result = store.load(row["id"], db)
        items = inventory(result)
        services = sorted({s for phase in items.values() for s in phase["services"]})
        hosts = sorted({h for phase in items.values() for h in phase["third_party_hosts"]})
        line = {k: row[k] for k in LIST_FIELDS}
        line.update(services_list=" ".join(services), third_party_hosts=" ".join(hosts))
        changes: dict[str, Any] | None = (
            diff_results(before, result)["totals"] if before is not None else None
        )
        for kind in ("services", "cookies", "third_party_hosts", "findings"):
            for key in ("appeared", "disappeared"):
                line[f"{kind}_{key}"] = changes[kind][key] if changes else ""
        out_rows.append(line)
        before = result
    text = _csv(out_rows, list(out_rows[0]))
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        echo_text(text, nl=False)


def _write_report(result: Any, fmt: str, output: str | None, changes: Any) -> None:
    """``result``'s report as ``fmt``, with ``changes`` (``diff_results``) when given."""
    write_output(result, fmt, output, changes=changes)


def _csv(rows: list[dict[str, Any]], fields: list[str]) -> str:
    """Rows as CSV that a spreadsheet opens inertly, as the report's CSV does: a cell starting
    with ``=``, ``+``, ``-``, ``@``, a tab or a CR gets a leading ``'`` (``reports``'
    ``neutralise``; a site's title or host is the site's choice), and ``\r\n`` line ends make
    the writer quote a cell holding a bare CR, which would split the row in most readers."""
    from reports.tables import neutralise

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: neutralise(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


# -- diff ------------------------------------------------------------------------------------


@click.command()
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--site", help="With --last: the site whose last two scans to compare.")
@click.option("--last", is_flag=True, help="Compare the last two recorded scans of --site.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "text", "html", "md"]),
    default="json",
    show_default=True,
    help="json, text: the changes. html, md: NEW's report, opening with the changes.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write here instead of stdout.",
)
@db_option
@store_errors
def diff(
    old: str | None,
    new: str | None,
    site: str | None,
    last: bool,
    fmt: str,
    output: str | None,
    db: str | None,
) -> None:
    """Show what appeared and disappeared between two scans, per consent phase

    OLD and NEW are history scan ids or saved result files. Services, cookies,
    third-party hosts and findings are compared. With --format html or md, the report of
    NEW is written, with a "Changes since the previous scan" section after its verdict.

    Example:

    \b
        cookiescan diff 11 12
        cookiescan diff before.json after.json --format text
        cookiescan diff --site www.example.com --last
        cookiescan diff --site www.example.com --last --format html -o report.html
    """
    from scanner.analyse.diff import diff_results, format_text
    from scanner.fleet import history as store

    if last or site:
        if not (last and site) or old or new:
            raise click.UsageError("use either OLD NEW, or --site SITE --last")
        rows = store.list_scans(db, site=site, limit=2)
        if len(rows) < 2:
            raise click.UsageError(f"{site}: fewer than two scans in the history")
        a, b = store.load(rows[1]["id"], db), store.load(rows[0]["id"], db)
    elif old and new:
        a, b = _load_any(old, db), _load_any(new, db)
    else:
        raise click.UsageError("give OLD and NEW, or --site SITE --last")
    changes = diff_results(a, b)
    if fmt in ("html", "md"):
        _write_report(b, fmt, output, changes)
    elif fmt == "json":
        echo_json(changes, output)
    elif output:
        Path(output).write_text(format_text(changes), encoding="utf-8")
    else:
        echo_text(format_text(changes), nl=False)


def _load_any(ref: str, db: str | None) -> Any:
    from scanner.fleet import history as store

    if ref.isdigit() and not Path(ref).exists():
        try:
            return store.load(int(ref), db)
        except KeyError as exc:
            raise click.BadParameter(str(exc.args[0])) from None
    return load_result(ref)
