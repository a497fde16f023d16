"""Options and output shared by every command that writes a result (``scan``, ``report``,
``history show``, ``diff``…), so they read and behave the same everywhere."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import signal
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from scanner.analyse.diff import FAIL_ON, fail_on
from scanner.collect.journal import load_journal
from scanner.errors import CookiescanError, printable, redact_url
from scanner.model import ScanResult

T = TypeVar("T")

#: The exit codes, as the epilog of ``cookiescan --help``, ``scan --help`` and ``report --help``
#: (documented in docs/cli.md and the README; tests/test_exit_codes.py runs each one).
EXIT_CODES_HELP = """Exit codes:

\b
  0    done, no --fail-on condition met
  1    a --fail-on condition met
  2    bad input or options, found before anything runs (URL, option, output
       destination, history database); for report, also a file that cannot be
       read or written
  3    the scan ran but failed or is incomplete: start page unreachable, pages
       errored, the scan broke, or the output could not be written (the result is
       then saved in the data dir, and the message says where)
  4    no usable browser
  130  interrupted (Ctrl-C): the pages already scanned are kept in the journal
"""


class InputError(click.ClickException):
    """Bad input that is not a usage mistake (a file, a database, a full disk): one line,
    ``Error: ...``, exit 2."""

    exit_code = 2


class NoBrowser(InputError):
    """No usable Chromium for what was asked (printing a PDF): one line, exit 4."""

    exit_code = 4


def say(message: str) -> None:
    """A progress, warning or error line on stderr: URL credentials redacted, control
    characters (terminal escape sequences from a hostile site) shown as ``\\xNN``."""
    click.echo(printable(redact_url(message)), err=True)


def echo_text(text: str, *, nl: bool = True) -> None:
    """A command's text output on stdout; control characters are escaped when stdout is a
    terminal (a file or a pipe gets the text unchanged)."""
    if sys.stdout.isatty():
        text = printable(text)
    click.echo(text, nl=nl)


def store_errors(fn: Callable[..., T]) -> Callable[..., T]:
    """A command whose history database or schedule store cannot be used exits 2 with one
    line (``scanner.fleet.history.StoreError``), never a traceback."""

    @functools.wraps(fn)
    def command(*args: Any, **kwargs: Any) -> T:
        from scanner.fleet.history import StoreError

        try:
            return fn(*args, **kwargs)
        except StoreError as exc:
            raise InputError(str(exc)) from None

    return command


def run_interruptibly(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, where Ctrl-C cancels ``main`` and then raises
    ``KeyboardInterrupt``, whatever ``main`` raised on its way out.

    Ctrl-C in a terminal reaches Playwright's driver too, which dies at once: the scan's
    calls then fail with "Target closed" before the cancellation arrives, and those errors
    must not turn an interruption into "the scan failed". A second Ctrl-C stops waiting for
    the clean-up.
    """
    interrupted = False

    async def guarded() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()

        def on_sigint() -> None:
            nonlocal interrupted
            if interrupted:
                loop.remove_signal_handler(signal.SIGINT)
                raise KeyboardInterrupt
            interrupted = True
            if task is not None:
                task.cancel()

        def quiet_after_ctrl_c(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            # Once the driver died of the Ctrl-C, Playwright leaves futures failed with
            # "Connection closed" that nobody reads: not worth a traceback on the way out.
            if interrupted and "never retrieved" in str(context.get("message")):
                return
            loop.default_exception_handler(context)

        loop.set_exception_handler(quiet_after_ctrl_c)
        try:
            loop.add_signal_handler(signal.SIGINT, on_sigint)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows; not the main thread
            pass
        try:
            return await main
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal.SIGINT)

    try:
        result = asyncio.run(guarded())
    except BaseException:
        if interrupted:
            raise KeyboardInterrupt from None
        raise
    if interrupted:  # the scan ended on its own just as Ctrl-C came: still an interruption
        raise KeyboardInterrupt
    return result


db_option = click.option(
    "--db",
    metavar="PATH|URL",
    envvar="COOKIESCAN_DB",
    help="History database: a SQLite file or a SQLAlchemy URL such as "
    "postgresql+psycopg://user@host/db ($COOKIESCAN_DB; default: history.sqlite in the data "
    "dir, $XDG_DATA_HOME/cookiescan or the platform's).",
)

fail_on_option = click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    multiple=True,
    help="Exit with 1 when a site has findings this severe, or new since its "
    "previous scan in the history (repeatable).",
)


def fail_on_reasons(
    result: ScanResult, levels: tuple[str, ...], db: str | None, *, use_history: bool = True
) -> list[str]:
    """Why ``--fail-on LEVEL...`` fails ``result`` (``scanner.analyse.diff.fail_on``).

    ``new`` compares with the site's previous scan in the history ``db``; without
    ``use_history``, every finding is new.
    """
    from scanner.fleet import history

    old = history.previous(result, db) if use_history and "new" in levels else None
    return fail_on(result, levels, old)


def output_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--format`` and ``-o/--output``, shared by every command that writes a result."""
    fn = click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=True, writable=True),
        help="Write to this file (a directory for --format csv) instead of stdout.",
    )(fn)
    fn = click.option(
        "--format",
        "fmt",
        type=click.Choice(_formats()),
        default="json",
        show_default=True,
        help="Output format.",
    )(fn)
    return fn


embed_screenshots_option = click.option(
    "--embed-screenshots",
    is_flag=True,
    help="Keep the banner screenshots inside the JSON as data: URIs (one self-contained "
    "file). Without it, JSON written to a file FILE.json puts them in FILE.screenshots/ and "
    "names them by path; JSON on stdout leaves them out.",
)


def _formats() -> list[str]:
    from reports import FORMATS, PRINTED_FORMATS

    return list(FORMATS + PRINTED_FORMATS)


def write_output(
    result: ScanResult,
    fmt: str,
    output: str | None,
    include_cookie_values: bool = False,
    changes: dict[str, Any] | None = None,
    embed_screenshots: bool = False,
    pack: Any = None,
) -> None:
    """Render ``result`` as ``fmt`` to ``output`` (stdout when None); ``pack``: an evidence
    pack's page screenshots for html and pdf (``reports.pages``).

    ``changes`` (``scanner.analyse.diff.diff_results`` output) adds the "changes since the previous
    scan" section to html and md. JSON keeps the banner screenshots inside only with
    ``embed_screenshots``; otherwise a file gets them as PNG files beside it
    (``reports.shots``) and stdout gets none.
    """
    import reports

    options: dict[str, Any] = {"include_cookie_values": include_cookie_values}
    if embed_screenshots:
        options["screenshots"] = "embed"
    elif output is None:
        options["screenshots"] = "omit"
    if changes is not None:
        options["changes"] = changes
    if pack is not None:
        options["pack"] = pack
    if fmt in reports.PRINTED_FORMATS:  # pdf: Chromium prints the HTML report
        from scanner.collect.pdf import print_pdf

        options["printer"] = print_pdf
    try:
        if output:
            reports.write(result, fmt, output, **options)
            return
        rendered = reports.render(result, fmt, **options)
    except reports.ReportError as exc:
        raise InputError(str(exc)) from None
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None
    except CookiescanError as exc:  # no browser to print the PDF with
        raise NoBrowser(str(exc)) from None
    if isinstance(rendered, bytes):
        raise click.UsageError(f"--format {fmt} is binary: give a file with -o")
    echo_text(rendered, nl=False if rendered.endswith("\n") else True)


def load_result(path: str) -> ScanResult:
    """A saved result: a JSON file, or the ``.partial.jsonl`` journal of an interrupted scan."""
    import reports

    try:
        if path.endswith(".jsonl"):
            return load_journal(path)
        return reports.load_result(path, warn=say)
    except reports.ReportError as exc:
        raise InputError(str(exc)) from None
    except RecursionError:
        raise InputError(f"{path}: nested too deeply to be a cookiescan result") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not a readable cookiescan result ({exc})") from None


def echo_json(data: Any, output: str | None) -> None:
    """``data`` as indented JSON, to ``output`` (stdout when None)."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    if output:
        from reports.files import write_atomically

        try:
            write_atomically(Path(output), text.encode("utf-8", errors="replace"))
        except OSError as exc:
            raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        echo_text(text, nl=False)
