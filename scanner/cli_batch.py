"""Commands for many scans over time: ``batch``, ``history``, ``diff`` (``schedule`` lives in
``cli_schedule``). Attached to the main CLI by ``scanner.cli``.

Exit codes of ``batch``: 0 every site scanned; 1 ``--fail-on`` matched a finding; 2 bad input
(the sites file, an option); 3 one or more sites failed (the summary says why); 130
interrupted (run the same command again to resume).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import click

from .config import ScanConfig
from .errors import ConfigError
from .models import PHASES

EXIT_SITES_FAILED = 3
DEFAULTS = ScanConfig(url="")
db_option = click.option(
    "--db",
    metavar="PATH|URL",
    help="History database: a SQLite file or a SQLAlchemy URL "
    "(default: $XDG_DATA_HOME/cookiescan/history.sqlite).",
)


def _echo_json(data: Any, output: str | None) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def _split_phases(_ctx: Any, _param: Any, value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    phases = tuple(p.strip() for p in value.split(",") if p.strip())
    bad = [p for p in phases if p not in PHASES]
    if bad:
        raise click.BadParameter(f"unknown phase {bad[0]!r}; choose from {', '.join(PHASES)}")
    return phases


def scan_options(fn: Any) -> Any:
    """Scan options for every site of a batch or a schedule (unset: ScanConfig's default)."""
    options = [
        click.option("--max-pages", type=click.IntRange(1), help="Pages per site at most."),
        click.option("--max-depth", type=click.IntRange(0), help="Link depth at most."),
        click.option("--time-budget", type=click.FloatRange(0), help="Seconds per phase."),
        click.option("--phases", callback=_split_phases, help="e.g. no-interaction,reject-all."),
        click.option("--dwell", type=click.FloatRange(0), help="Seconds on each page."),
        click.option(
            "--sitemap/--no-sitemap",
            "use_sitemap",
            default=None,
            help="Also queue pages from sitemap.xml.",
        ),
        click.option("--concurrency", type=click.IntRange(0), help="Pages open at once."),
        click.option("--browser", metavar="PATH", help="Chromium executable."),
        click.option("--proxy", metavar="URL", help="Scan through this proxy."),
        click.option(
            "--browser-arg",
            "browser_args",
            multiple=True,
            metavar="ARG",
            help="Extra Chromium flag (repeatable).",
        ),
        click.option(
            "--ignore-https-errors",
            is_flag=True,
            default=None,
            help="Accept invalid certificates.",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def given_options(options: dict[str, Any]) -> dict[str, Any]:
    """The scan options the user gave (plain JSON: lists, not tuples)."""
    given = {k: v for k, v in options.items() if v not in (None, ())}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in given.items()}


@click.command()
@click.argument("sites", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-d",
    "--out-dir",
    type=click.Path(file_okay=False),
    help="Folder for the results, one JSON per site (default: SITES-results beside SITES).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1),
    default=2,
    show_default=True,
    help="Sites scanned at once, each in its own process and browser.",
)
@click.option(
    "--site-timeout",
    type=click.FloatRange(1),
    metavar="SECONDS",
    help="Kill a site's scan after this long (default: time budget x phases + 300).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["high", "medium", "new"]),
    multiple=True,
    help="Exit with 1 when a site has findings this severe, or new since its "
    "previous scan in the history (repeatable).",
)
@db_option
@click.option("--no-history", is_flag=True, help="Do not record the scans in the history.")
@scan_options
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the JSON summary here instead of stdout.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")
def batch(
    sites: str,
    out_dir: str | None,
    jobs: int,
    site_timeout: float | None,
    fail_on: tuple[str, ...],
    db: str | None,
    no_history: bool,
    output: str | None,
    quiet: bool,
    **options: Any,
) -> None:
    """Scan every site listed in SITES, a few at a time, one result file per site

    SITES is a text file (one URL a line, # comments) or a TOML file with a [defaults]
    table and [[site]] entries holding any scan option (url, first_party, max_pages,
    proxy...). Scan options given here apply to every site; a site's own entry wins.
    Running the same command again skips the sites already done, so an interrupted
    batch resumes. A JSON summary goes to stdout; progress to stderr.

    Example:

    \b
        cookiescan batch sites.txt -d results/ --jobs 4
        cookiescan batch sites.toml --max-pages 10 --fail-on high
    """
    from .batch import load_sites, run_batch

    say = (lambda _m: None) if quiet else (lambda m: click.echo(m, err=True))
    if no_history and "new" in fail_on:
        raise click.UsageError("--fail-on new compares with the history: drop --no-history")
    defaults = given_options(options)
    try:
        job_list = load_sites(sites, defaults)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    out = Path(out_dir) if out_dir else Path(sites).with_name(Path(sites).stem + "-results")

    def record(outcome: dict[str, Any]) -> None:
        if no_history or not outcome.get("result_file"):
            return
        from . import history
        from .cli import load_result

        scan_id = history.record(load_result(outcome["result_file"]), db, source="batch")
        outcome["history_id"] = scan_id

    try:
        summary = run_batch(
            job_list,
            out,
            concurrency=jobs,
            progress=say,
            site_timeout=site_timeout,
            on_done=record,
        )
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted: run the same command again to resume ({out})", err=True)
        sys.exit(130)
    reasons = _fail_on_reasons(summary, fail_on, db) if fail_on else []
    summary["fail_on"] = reasons
    _echo_json(summary, output)
    say(
        f"done: {summary['ok'] + summary['page_errors']} scanned, {summary['failed']} failed, "
        f"{summary['skipped']} skipped, in {summary['seconds']} s; results in {out}"
    )
    for failure in summary["failures"]:
        say(f"  failed: {failure['url']}: {failure['reason']}")
    for reason in reasons:
        say(f"  fail-on: {reason}")
    if reasons:
        sys.exit(1)
    if summary["failed"]:
        sys.exit(EXIT_SITES_FAILED)


def _fail_on_reasons(summary: dict[str, Any], levels: tuple[str, ...], db: str | None) -> list:
    from . import history
    from .cli import load_result
    from .diff import fail_on

    reasons: list[str] = []
    for outcome in summary["outcomes"]:
        if not outcome.get("result_file"):
            continue
        result = load_result(outcome["result_file"])
        old = history.previous(result, db) if "new" in levels else None
        reasons += fail_on(result, levels, old)
    return reasons


# -- history ---------------------------------------------------------------------------------


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
def history_list(site: str | None, limit: int | None, fmt: str, db: str | None) -> None:
    """List recorded scans, newest first

    Example:

    \b
        cookiescan history list --site https://www.example.com/ --format table
    """
    from . import history as store

    rows = store.list_scans(db, site=site, limit=limit)
    if fmt == "json":
        _echo_json(rows, None)
    elif fmt == "csv":
        click.echo(_csv(rows, [c.name for c in store.SUMMARY_COLUMNS]), nl=False)
    else:
        for row in rows:
            click.echo(
                f"{row['id']:>5}  {row['started_at'][:19]}  {row['site']}  {row['pages']} pages, "
                f"{row['cookies']} cookies, {row['services']} services, "
                f"{row['findings']} findings" + ("" if row["complete"] else "  (incomplete)")
            )


def _report_formats() -> list[str]:
    try:
        from reports import FORMATS

        return list(FORMATS)
    except ImportError:
        return ["json"]


@history.command("show")
@click.argument("scan_id", type=int)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_report_formats()),
    default="json",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=True, writable=True),
    help="Write to this file (a directory for --format csv) instead of stdout.",
)
@db_option
def history_show(scan_id: int, fmt: str, output: str | None, db: str | None) -> None:
    """Print a recorded scan's full result (JSON, or --format csv/html)

    Example:

    \b
        cookiescan history show 12 --format html -o scan-12.html
    """
    from . import history as store
    from .cli import write_output

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
    from . import history as store
    from .diff import diff_results, inventory

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
        click.echo(text, nl=False)


def _write_report(result: Any, fmt: str, output: str | None, changes: Any) -> None:
    """``result``'s report as ``fmt``, with ``changes`` (``diff_results``) when given."""
    import reports

    try:
        if output:
            reports.write(result, fmt, output, changes=changes)
        else:
            click.echo(reports.render(result, fmt, changes=changes), nl=False)
    except reports.ReportError as exc:
        raise click.ClickException(str(exc)) from None


def _csv(rows: list[dict[str, Any]], fields: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
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
    from . import history as store
    from .diff import diff_results, format_text

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
        _echo_json(changes, output)
    elif output:
        Path(output).write_text(format_text(changes), encoding="utf-8")
    else:
        click.echo(format_text(changes), nl=False)


def _load_any(ref: str, db: str | None) -> Any:
    from . import history as store
    from .cli import load_result

    if ref.isdigit() and not Path(ref).exists():
        try:
            return store.load(int(ref), db)
        except KeyError as exc:
            raise click.BadParameter(str(exc.args[0])) from None
    return load_result(ref)
