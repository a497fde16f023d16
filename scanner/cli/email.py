"""``cookiescan email``: what tracks the recipient of an email (``scanner.mail``).

On a terminal (stdout a TTY) with neither --format nor -o, a short summary per message is
printed and the JSON is saved to ``cookiescan-email-<input>-<time>.json`` in the current folder;
otherwise the result goes to stdout or -o, as before.

Exit codes: 0 done (messages that could not be parsed have an ``error`` in the result);
1 ``--fail-on`` matched a finding; 2 a path could not be read (the others are still scanned
and written) or bad options; 4 ``--render`` found no usable browser.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from scanner.cli.common import echo_text
from scanner.errors import first_line

DEMO_NEWSLETTER = Path(__file__).resolve().parent.parent / "demo" / "newsletter.eml"
_SEVERITIES = ("high", "medium", "low")
EXIT_FINDINGS, EXIT_UNREADABLE, EXIT_BROWSER = 1, 2, 4


@click.command("email")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("json", "md", "html", "csv")),
    default="json",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of stdout.",
)
@click.option(
    "--fail-on",
    type=click.Choice(_SEVERITIES),
    help="Exit with 1 when a message has a finding this severe (or worse).",
)
@click.option(
    "--max-size",
    type=click.IntRange(1),
    default=25,
    show_default=True,
    metavar="MIB",
    help="Skip messages (and HTML files) larger than this many MiB.",
)
@click.option(
    "--render",
    is_flag=True,
    help="Also open each message in headless Chromium (images on, scripts off) and record "
    "what loads. This fetches the pixels: the sender learns the message was opened "
    "(use --proxy to choose where from).",
)
@click.option("--proxy", metavar="URL", help="With --render: fetch through this proxy.")
@click.option("--browser", metavar="PATH", default="", help="With --render: Chromium to use.")
@click.option("--browser-arg", "browser_args", multiple=True, metavar="ARG",
              help="With --render: an extra Chromium flag (repeatable).")  # fmt: skip
@click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")
def email_command(
    paths: tuple[Path, ...],
    fmt: str,
    output: str | None,
    fail_on: str | None,
    max_size: int,
    render: bool,
    proxy: str | None,
    browser: str,
    browser_args: tuple[str, ...],
    quiet: bool,
) -> None:
    """Scan emails for open pixels, click tracking and what the sender learns

    PATHS are .eml files, mbox files, folders of them, or a raw HTML newsletter. Nothing is
    ever fetched: loading a pixel would tell the sender the email was opened. Without PATHS,
    scans the bundled sample newsletter (scanner/demo/newsletter.eml). On a terminal, with
    neither --format nor -o, prints a short summary per message and saves the JSON to
    cookiescan-email-INPUT-TIME.json in the current folder.

    Example:

    \b
        cookiescan email                       # the bundled sample newsletter
        cookiescan email newsletter.eml --format md
        cookiescan email ~/Mail/inbox.mbox --format html -o inbox.html
        cookiescan email exported/ --format csv -o trackers.csv --fail-on high
    """
    from scanner import __version__
    from scanner.mail import Limits, scan_paths
    from scanner.mail import render as render_scan

    echo = (lambda _msg: None) if quiet else (lambda msg: click.echo(msg, err=True))
    if not paths:
        demo = DEMO_NEWSLETTER
        if demo.is_relative_to(Path.cwd()):
            demo = demo.relative_to(Path.cwd())
        echo(f"no PATH given: scanning the bundled sample newsletter {demo}")
        paths = (demo,)
    limits = Limits(max_message_bytes=max_size << 20)
    with _renderer(render, proxy or "", browser, browser_args) as renderer:
        try:
            scan = scan_paths(
                paths,
                limits=limits,
                tool_version=__version__,
                progress=echo,
                render=renderer.render if renderer else None,
            )
        except Exception as exc:  # noqa: BLE001 - the signature database, never a traceback
            raise click.ClickException(first_line(exc)) from None
    for_a_person = output is None and sys.stdout.isatty() and not _given("fmt")
    if for_a_person:
        output = _saved_name(paths)
    text = render_scan(scan, fmt)
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        click.echo(text, nl=False)
    if for_a_person:
        from scanner.cli.summary import email_summary

        echo_text(email_summary(scan, str(output)), nl=False)
    errors = scan.error_count
    echo(
        f"done: {len(scan.messages)} message(s), {errors} not scanned"
        + (f"; written to {output}" if output else "")
    )
    if scan.unreadable:
        sys.exit(EXIT_UNREADABLE)
    if fail_on:
        worst = _SEVERITIES[: _SEVERITIES.index(fail_on) + 1]
        hits = [f for m in scan.messages for f in m.findings if f.severity in worst]
        if hits:
            echo(f"fail-on {fail_on}: {len(hits)} finding(s)")
            sys.exit(EXIT_FINDINGS)


def _given(name: str) -> bool:
    """Whether option ``name`` was given (command line, environment), not defaulted."""
    source = click.get_current_context().get_parameter_source(name)
    return source not in (
        click.core.ParameterSource.DEFAULT,
        click.core.ParameterSource.DEFAULT_MAP,
    )


def _saved_name(paths: tuple[Path, ...]) -> str:
    """``cookiescan-email-<first input>-<YYYYmmdd-HHMMSS>.json`` (``-and-N`` for more)."""
    from datetime import datetime

    stem = re.sub(r"[^A-Za-z0-9.-]", "_", paths[0].stem).strip(".") or "input"
    more = f"-and-{len(paths) - 1}" if len(paths) > 1 else ""
    return f"cookiescan-email-{stem[:60]}{more}-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"


@contextmanager
def _renderer(
    wanted: bool, proxy: str, browser: str, browser_args: tuple[str, ...]
) -> Iterator[Any]:
    """The browser that renders messages for --render (None without it); no browser is a
    one-line error with exit 4."""
    if not wanted:
        yield None
        return
    from scanner.collect.render import HtmlRenderer
    from scanner.errors import BrowserError, BrowserNotFound

    try:
        renderer = HtmlRenderer(browser=browser, proxy=proxy, browser_args=browser_args)
        renderer.__enter__()
    except (BrowserNotFound, BrowserError) as exc:
        click.echo(f"cookiescan email: {first_line(exc)}", err=True)
        sys.exit(EXIT_BROWSER)
    try:
        yield renderer
    finally:
        renderer.__exit__(None, None, None)
