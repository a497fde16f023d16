"""``cookiescan email``: what tracks the recipient of an email (``scanner.mail``).

Exit codes: 0 done (messages that could not be parsed have an ``error`` in the result);
1 ``--fail-on`` matched a finding; 2 a path could not be read (the others are still scanned
and written) or bad options.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scanner.errors import first_line

DEMO_NEWSLETTER = Path(__file__).resolve().parent.parent / "demo" / "newsletter.eml"
_SEVERITIES = ("high", "medium", "low")
EXIT_FINDINGS, EXIT_UNREADABLE = 1, 2


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
@click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")
def email_command(
    paths: tuple[Path, ...],
    fmt: str,
    output: str | None,
    fail_on: str | None,
    max_size: int,
    quiet: bool,
) -> None:
    """Scan emails for open pixels, click tracking and what the sender learns

    PATHS are .eml files, mbox files, folders of them, or a raw HTML newsletter. Nothing is
    ever fetched: loading a pixel would tell the sender the email was opened. Without PATHS,
    scans the bundled sample newsletter (scanner/demo/newsletter.eml).

    Example:

    \b
        cookiescan email                       # the bundled sample newsletter
        cookiescan email newsletter.eml --format md
        cookiescan email ~/Mail/inbox.mbox --format html -o inbox.html
        cookiescan email exported/ --format csv -o trackers.csv --fail-on high
    """
    from scanner import __version__
    from scanner.mail import Limits, render, scan_paths

    echo = (lambda _msg: None) if quiet else (lambda msg: click.echo(msg, err=True))
    if not paths:
        demo = DEMO_NEWSLETTER
        if demo.is_relative_to(Path.cwd()):
            demo = demo.relative_to(Path.cwd())
        echo(f"no PATH given: scanning the bundled sample newsletter {demo}")
        paths = (demo,)
    limits = Limits(max_message_bytes=max_size << 20)
    try:
        scan = scan_paths(paths, limits=limits, tool_version=__version__, progress=echo)
    except Exception as exc:  # noqa: BLE001 - the signature database, never a traceback
        raise click.ClickException(first_line(exc)) from None
    text = render(scan, fmt)
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        click.echo(text, nl=False)
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
