"""The ``cookiescan`` command line. Options -> ``ScanConfig`` -> ``scan()`` -> a file.

Exit codes (``EXIT_CODES``, shown in ``--help`` and docs/cli.md): 0 done, no ``--fail-on``
condition met; 1 a ``--fail-on`` condition met; 2 bad input or options, found before anything
runs (URL, option, output destination, a history database that cannot be used; for commands
that do not scan, also an input file that cannot be read or an output that cannot be written);
3 the scan ran but failed or is incomplete (start page unreachable, pages errored, the scan
itself broke, the output could not be written: the result is then saved elsewhere and the
message says where); 4 no usable browser; 130 interrupted (Ctrl-C: the pages already scanned
are kept in the journal).
"""

from __future__ import annotations

import dataclasses
import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from scanner import __version__
from scanner.cli.common import (
    EXIT_CODES_HELP,
    db_option,
    echo_text,
    embed_screenshots_option,
    fail_on_option,
    fail_on_reasons,
    load_result,
    output_options,
    run_interruptibly,
    say,
    store_errors,
    write_output,
)
from scanner.cli.config import profile_option
from scanner.cli.options import scan_config_options
from scanner.cli.progress import progress_display, progress_option
from scanner.cli.save import (
    check_destination,
    default_result_path,
    journal_path,
    save_fallback,
    save_result,
    screenshots_note,
)
from scanner.config import ScanConfig
from scanner.errors import (
    BrowserError,
    BrowserNotFound,
    ConfigError,
    ScanError,
    first_line,
    printable,
    redact_url,
)
from scanner.model import ScanResult

EXIT_FINDINGS, EXIT_USAGE, EXIT_PAGE_ERRORS, EXIT_BROWSER, EXIT_INTERRUPTED = 1, 2, 3, 4, 130
EXIT_INCOMPLETE = EXIT_PAGE_ERRORS  # 3: the scan ran but failed, or its output was not written


DEMO_URL = "https://www.example.com/"


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="cookiescan")
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    envvar="COOKIESCAN_CONFIG",
    help="Scan options and visitor profiles (default: ./cookiescan.toml when present). Every "
    "scan option can also be set as COOKIESCAN_<OPTION>, e.g. COOKIESCAN_MAX_PAGES=50; "
    "`cookiescan config show` says where each value comes from.",
)
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """cookiescan: which cookies and third parties a website uses, before and after consent."""
    from scanner.cli.config import find_file, load_file

    try:
        file = find_file(config_path)
        ctx.obj = {"config_file": file, "config": load_file(file) if file else {}}
    except ConfigError as exc:
        raise click.UsageError(printable(str(exc))) from None


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("url", required=False)
@scan_config_options()
@fail_on_option
@db_option
@click.option("--no-history", is_flag=True, help="Do not record this scan in the history.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")
@progress_option
@profile_option
@output_options
@embed_screenshots_option
@store_errors
def scan(
    url: str | None,
    fmt: str,
    output: str | None,
    embed_screenshots: bool,
    fail_on: tuple[str, ...],
    db: str | None,
    no_history: bool,
    quiet: bool,
    progress_mode: str,
    **options: Any,
) -> None:
    """Scan URL and list every cookie, storage key and third party, per consent phase

    Without URL, scans the bundled demo shop, served locally (no network needed).
    Progress goes to stderr; the result (JSON by default) to stdout or -o FILE. On a
    terminal, with neither --format nor -o, a short summary is printed instead and the JSON
    is saved to cookiescan-SITE-TIME.json in the current folder. JSON saved to a file
    FILE.json keeps the banner screenshots as PNG files in FILE.screenshots/ (JSON on stdout
    has none; --embed-screenshots keeps them inside the JSON). Each page is also written
    to FILE.partial.jsonl as soon as it is done, so an interrupted scan keeps its pages:
    `cookiescan report FILE.partial.jsonl` renders them. When the output cannot be written
    after the scan (a full disk), the JSON is saved in the data dir and the message says
    where.

    Example:

    \b
        cookiescan scan https://www.example.com/ -o result.json
        cookiescan scan https://www.example.com/ --max-pages 50 -f example-cdn.net
        cookiescan scan https://www.example.com/ --fail-on high --format sarif -o scan.sarif
        cookiescan scan                      # the offline demo
    """
    echo: Callable[[str], None] = (lambda _msg: None) if quiet else say
    try:
        config = ScanConfig(url=DEMO_URL if url is None else url, **options)
    except ConfigError as exc:
        raise click.UsageError(printable(redact_url(str(exc)))) from None
    summary = output is None and _for_a_person()
    check_destination(fmt, output, embed_screenshots=embed_screenshots)  # before any scan
    if not no_history and (url is not None or "new" in fail_on):
        from scanner.fleet import history

        history.check(db)  # a database that cannot be used costs no scan
    journal = journal_path(fmt, output)
    with progress_display(progress_mode, quiet=quiet) as progress:
        result = _run(config, demo=url is None, journal=journal, echo=echo, progress=progress)
    target = str(default_result_path(result)) if summary else output
    evidence = Path(config.evidence_dir) / "result.json" if config.evidence_dir else None
    pack = _pack_pages(fmt, evidence) if evidence else None
    values = config.include_cookie_values
    problem = save_result(result, fmt, target, values, embed_screenshots, pack)
    if problem is None:
        journal.unlink(missing_ok=True)  # only now: the result is safely somewhere
    pages = sum(len(p.visits) for p in result.phases)
    written = f"; written to {target}" + screenshots_note(fmt, target, embed_screenshots)
    echo(
        f"done: {pages} page(s), {result.error_count} page error(s)"
        + (written if target and problem is None else "")
    )
    if not no_history and url is not None:
        _record(result, db, echo)
    if problem is not None:
        _lost_output(result, problem, journal, config.include_cookie_values)
    if summary and target:
        from scanner.cli.summary import human_summary

        echo_text(human_summary(result, target), nl=False)
    if fail_on:
        reasons = fail_on_reasons(result, fail_on, db, use_history=not no_history)
        for reason in reasons:
            echo(f"fail-on: {reason}")
        if reasons:
            sys.exit(EXIT_FINDINGS)
    if result.error_count or not result.complete:
        sys.exit(EXIT_INCOMPLETE)


def _for_a_person() -> bool:
    """A terminal on stdout and no --format given: ``scan`` prints a summary, not JSON."""
    ctx = click.get_current_context()
    given = ctx.get_parameter_source("fmt") not in (
        click.core.ParameterSource.DEFAULT,
        click.core.ParameterSource.DEFAULT_MAP,
    )
    return not given and sys.stdout.isatty()


def _lost_output(
    result: ScanResult, problem: str, journal: Path, include_cookie_values: bool
) -> None:
    """The output could not be written after the scan: save the JSON elsewhere, keep the
    journal, say where (one line) and exit 3."""
    saved = save_fallback(result, include_cookie_values)
    where = (
        f"the result is saved in {saved} (the pages also in {journal})"
        if saved
        else f"the pages are kept in {journal}"
    )
    say(f"Error: {problem}; {where}")
    sys.exit(EXIT_INCOMPLETE)


def _record(result: ScanResult, db: str | None, echo: Callable[[str], None]) -> None:
    """Add the scan to the history; a history problem never loses the result just written."""
    from scanner.fleet import history

    try:
        scan_id = history.record(result, db, source="scan")
    except Exception as exc:  # noqa: BLE001
        echo(f"warning: not recorded in the history ({type(exc).__name__}: {exc})")
        return
    echo(f"recorded in the history as scan {scan_id}")


def _run(
    config: ScanConfig,
    *,
    demo: bool,
    journal: Path,
    echo: Callable[[str], None],
    progress: Callable[[str], None],
) -> ScanResult:
    """Run the scan, streaming its pages to ``journal`` (kept: the caller deletes it once the
    result is written); every failure becomes one line and its exit code."""
    from scanner import scan_async

    def run_scan(config: ScanConfig, **kwargs: Any) -> ScanResult:
        return run_interruptibly(scan_async(config, **kwargs))

    try:
        if demo:
            from scanner.demo.localweb import LocalWeb

            echo(
                "no URL given: scanning the bundled demo shop at https://www.example.com/ "
                "(served locally)"
            )
            with LocalWeb() as web:
                args = (*config.browser_args, *web.browser_args())
                config = dataclasses.replace(config, browser_args=args, ignore_https_errors=True)
                return run_scan(config, journal=journal, progress=progress)
        return run_scan(config, journal=journal, progress=progress)
    except ConfigError as exc:
        journal.unlink(missing_ok=True)
        raise click.UsageError(printable(redact_url(str(exc)))) from None
    except (BrowserNotFound, BrowserError) as exc:
        journal.unlink(missing_ok=True)
        say(f"Error: {exc}")
        sys.exit(EXIT_BROWSER)
    except ScanError as exc:
        say(f"Error: {exc}")
        sys.exit(EXIT_INCOMPLETE)
    except KeyboardInterrupt:
        say(f"\ninterrupted: the pages already scanned are in {journal}")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - never a traceback; the journal keeps the pages
        say(
            f"Error: the scan failed ({type(exc).__name__}: {first_line(exc, default='')}); "
            f"the pages already scanned are in {journal}"
        )
        sys.exit(EXIT_INCOMPLETE)  # the scan broke: not 1, which means findings


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("result_file", metavar="RESULT")
@click.option(
    "--include-cookie-values",
    is_flag=True,
    help="Show cookie values when the result kept them (they may be personal data).",
)
@click.option(
    "--since",
    "since_file",
    metavar="OLD_RESULT",
    type=click.Path(exists=True, dir_okay=False),
    help="An earlier result of the same site: html and md open with what changed since it.",
)
@output_options
@embed_screenshots_option
def report(
    result_file: str,
    fmt: str,
    output: str | None,
    embed_screenshots: bool,
    include_cookie_values: bool,
    since_file: str | None,
) -> None:
    """Render a saved result (JSON, or an interrupted scan's journal) again

    Example:

    \b
        cookiescan report result.json --format html -o report.html
        cookiescan report result.json --format csv -o tables/     # one CSV per table
        cookiescan report result.json --format xlsx -o result.xlsx
        cookiescan report result.json --format pdf -o report.pdf  # printed by Chromium
        cookiescan report result.json.partial.jsonl -o recovered.json
        cookiescan report new.json --since old.json --format html -o report.html
        cookiescan report result.json --embed-screenshots -o one-file.json

    Banner screenshots saved beside RESULT (RESULT's stem + .screenshots/) are read
    from that folder only. A RESULT inside an evidence pack (scan --evidence DIR, so
    DIR/result.json) shows the screenshots of the pages with a finding in html and pdf.
    """
    check_destination(fmt, output, embed_screenshots=embed_screenshots)
    result = load_result(result_file)
    changes = None
    if since_file:
        from scanner.analyse.diff import diff_results

        changes = diff_results(load_result(since_file), result)
    pack = _pack_pages(fmt, result_file)
    write_output(result, fmt, output, include_cookie_values, changes, embed_screenshots, pack)


def _pack_pages(fmt: str, result_file: str | Path) -> Any:
    """The page screenshots of the evidence pack ``result_file`` lies in, for html and pdf
    (``reports.pages``); None for other formats or a result outside a pack."""
    if fmt not in ("html", "pdf"):
        return None
    from reports.pages import read_pack_pages

    return read_pack_pages(result_file, warn=say)


def _attach_rooms() -> None:
    """Commands that live with their rooms: signatures, batch/history/diff, schedules."""
    from scanner.cli.batch import batch
    from scanner.cli.config import config_group
    from scanner.cli.email import email_command
    from scanner.cli.evidence import keygen, verify_command
    from scanner.cli.history import diff, history
    from scanner.cli.schedule import schedule
    from scanner.cli.serve import serve
    from scanner.cli.worker import worker
    from signatures.cli import signatures_cli

    for command in (signatures_cli, batch, history, diff, schedule, serve, email_command):
        cli.add_command(command)
    cli.add_command(worker)
    for command in (config_group, keygen, verify_command):
        cli.add_command(command)


_attach_rooms()


def main() -> None:
    try:
        try:
            cli(prog_name="cookiescan")
        finally:
            sys.stdout.flush()  # here, not at exit, where a failure is only a traceback
    except OSError as exc:
        if exc.errno not in _OUTPUT_FULL:
            raise
        # stdout on a full disk (or a file too big for it): one line, exit 2, no traceback.
        say(f"Error: cannot write the output: {exc.strerror or exc}")
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush
        sys.exit(EXIT_USAGE)


_OUTPUT_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


if __name__ == "__main__":
    main()
