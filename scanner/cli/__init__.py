"""The ``cookiescan`` command line. Options -> ``ScanConfig`` -> ``scan()`` -> a file.

Exit codes: 0 the scan completed; 1 ``--fail-on`` matched a finding; 2 bad input
(URL, option, file, a history database that cannot be used, a full disk); 3 the scan
completed but some pages had errors (a page closed at its deadline is one), or the scan
itself broke; 4 the browser could not run; 130 interrupted (Ctrl-C: the pages already scanned
are kept in the journal).
"""

from __future__ import annotations

import dataclasses
import errno
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from scanner import __version__
from scanner.cli.common import (
    db_option,
    fail_on_option,
    fail_on_reasons,
    load_result,
    output_options,
    run_interruptibly,
    say,
    store_errors,
    write_output,
)
from scanner.cli.options import scan_config_options
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


DEMO_URL = "https://www.example.com/"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cookiescan")
def cli() -> None:
    """cookiescan: which cookies and third parties a website uses, before and after consent."""


@cli.command()
@click.argument("url", required=False)
@scan_config_options()
@fail_on_option
@db_option
@click.option("--no-history", is_flag=True, help="Do not record this scan in the history.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")
@output_options
@store_errors
def scan(
    url: str | None,
    fmt: str,
    output: str | None,
    fail_on: tuple[str, ...],
    db: str | None,
    no_history: bool,
    quiet: bool,
    **options: Any,
) -> None:
    """Scan URL and list every cookie, storage key and third party, per consent phase

    Without URL, scans the bundled demo shop, served locally (no network needed).
    Progress goes to stderr; the result (JSON by default) to stdout or -o FILE. Each page is
    also written to FILE.partial.jsonl as soon as it is done, so an interrupted scan keeps
    its pages: `cookiescan report FILE.partial.jsonl` renders them.

    Example:

    \b
        cookiescan scan https://www.example.com/ -o result.json
        cookiescan scan https://www.example.com/ --max-pages 50 -f example-cdn.net
        cookiescan scan                      # the offline demo
    """
    echo: Callable[[str], None] = (lambda _msg: None) if quiet else say
    try:
        config = ScanConfig(url=url or DEMO_URL, **options)
    except ConfigError as exc:
        raise click.UsageError(printable(redact_url(str(exc)))) from None
    if not no_history and (url is not None or "new" in fail_on):
        from scanner.fleet import history

        history.check(db)  # a database that cannot be used costs no scan
    result = _run(config, demo=url is None, output=output, echo=echo)
    write_output(result, fmt, output, config.include_cookie_values)
    pages = sum(len(p.visits) for p in result.phases)
    echo(
        f"done: {pages} page(s), {result.error_count} page error(s)"
        + (f"; written to {output}" if output else "")
    )
    if not no_history and url is not None:
        _record(result, db, echo)
    if fail_on:
        reasons = fail_on_reasons(result, fail_on, db, use_history=not no_history)
        for reason in reasons:
            echo(f"fail-on: {reason}")
        if reasons:
            sys.exit(EXIT_FINDINGS)
    if result.error_count:
        sys.exit(EXIT_PAGE_ERRORS)


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
    config: ScanConfig, *, demo: bool, output: str | None, echo: Callable[[str], None]
) -> ScanResult:
    from scanner import scan_async

    def run_scan(config: ScanConfig, **kwargs: Any) -> ScanResult:
        return run_interruptibly(scan_async(config, **kwargs))

    if output:
        journal = Path(output + ".partial.jsonl")
    else:
        from scanner.fleet.history import data_dir

        data_dir().mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="scan-", suffix=".partial.jsonl", dir=data_dir())
        os.close(fd)
        journal = Path(name)
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
                result = run_scan(config, journal=journal, progress=echo)
        else:
            result = run_scan(config, journal=journal, progress=echo)
    except ConfigError as exc:
        journal.unlink(missing_ok=True)
        raise click.UsageError(printable(redact_url(str(exc)))) from None
    except (BrowserNotFound, BrowserError) as exc:
        journal.unlink(missing_ok=True)
        say(f"Error: {exc}")
        sys.exit(EXIT_BROWSER)
    except ScanError as exc:
        say(f"Error: {exc}")
        sys.exit(EXIT_PAGE_ERRORS)
    except KeyboardInterrupt:
        say(f"\ninterrupted: the pages already scanned are in {journal}")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - never a traceback; the journal keeps the pages
        say(
            f"Error: the scan failed ({type(exc).__name__}: {first_line(exc, default='')}); "
            f"the pages already scanned are in {journal}"
        )
        sys.exit(EXIT_PAGE_ERRORS)  # the scan broke: not 1, which means findings
    journal.unlink(missing_ok=True)
    return result


@cli.command()
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
def report(
    result_file: str,
    fmt: str,
    output: str | None,
    include_cookie_values: bool,
    since_file: str | None,
) -> None:
    """Render a saved result (JSON, or an interrupted scan's journal) again

    Example:

    \b
        cookiescan report result.json --format html -o report.html
        cookiescan report result.json --format csv -o tables/     # one CSV per table
        cookiescan report result.json --format xlsx -o result.xlsx
        cookiescan report result.json.partial.jsonl -o recovered.json
        cookiescan report new.json --since old.json --format html -o report.html
    """
    result = load_result(result_file)
    changes = None
    if since_file:
        from scanner.analyse.diff import diff_results

        changes = diff_results(load_result(since_file), result)
    write_output(result, fmt, output, include_cookie_values, changes)


def _attach_rooms() -> None:
    """Commands that live with their rooms: signatures, batch/history/diff, schedules."""
    from scanner.cli.batch import batch
    from scanner.cli.email import email_command
    from scanner.cli.history import diff, history
    from scanner.cli.schedule import schedule
    from scanner.cli.serve import serve
    from signatures.cli import signatures_cli

    for command in (signatures_cli, batch, history, diff, schedule, serve, email_command):
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
