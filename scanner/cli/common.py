"""Options and output shared by every command that writes a result (``scan``, ``report``,
``history show``, ``diff``…), so they read and behave the same everywhere."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from scanner.analyse.diff import FAIL_ON, fail_on
from scanner.collect.journal import load_journal
from scanner.model import ScanResult

db_option = click.option(
    "--db",
    metavar="PATH|URL",
    help="History database: a SQLite file or a SQLAlchemy URL (default: history.sqlite in the "
    "data dir, $XDG_DATA_HOME/cookiescan or the platform's).",
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


def _formats() -> list[str]:
    from reports import FORMATS

    return list(FORMATS)


def write_output(
    result: ScanResult,
    fmt: str,
    output: str | None,
    include_cookie_values: bool = False,
    changes: dict[str, Any] | None = None,
) -> None:
    """Render ``result`` as ``fmt`` to ``output`` (stdout when None).

    ``changes`` (``scanner.analyse.diff.diff_results`` output) adds the "changes since the previous
    scan" section to html and md.
    """
    import reports

    options: dict[str, Any] = {"include_cookie_values": include_cookie_values}
    if changes is not None:
        options["changes"] = changes
    try:
        if output:
            reports.write(result, fmt, output, **options)
            return
        rendered = reports.render(result, fmt, **options)
    except reports.ReportError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    if isinstance(rendered, bytes):
        raise click.UsageError(f"--format {fmt} is binary: give a file with -o")
    click.echo(rendered, nl=False if rendered.endswith("\n") else True)


def load_result(path: str) -> ScanResult:
    """A saved result: a JSON file, or the ``.partial.jsonl`` journal of an interrupted scan."""
    import reports

    try:
        if path.endswith(".jsonl"):
            return load_journal(path)
        return reports.load_result(path)
    except reports.ReportError as exc:
        raise click.BadParameter(str(exc)) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise click.BadParameter(f"{path}: not a readable cookiescan result ({exc})") from None


def echo_json(data: Any, output: str | None) -> None:
    """``data`` as indented JSON, to ``output`` (stdout when None)."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
