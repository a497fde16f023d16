"""``cookiescan batch``: scan many sites (``scanner.fleet.batch``); ``history`` and ``diff``
live in ``scanner.cli.history``, ``schedule`` in ``scanner.cli.schedule``. Attached to the main
CLI by ``scanner.cli``.

With ``--queue redis://…`` (or ``$COOKIESCAN_QUEUE``) the sites go to Celery workers
(``cookiescan worker``, ``scanner.fleet.queue``) instead of local processes; the command waits
and writes the same files, or with ``--no-wait`` prints the batch id for ``batch status ID``.
With ``--evidence DIR`` each site keeps a sealed evidence pack in ``DIR/NAME``
(``scanner.fleet.packs``); queued, the workers write and sign them.

Exit codes of ``batch``: 0 every site scanned; 1 ``--fail-on`` matched a finding; 2 bad input
(the sites file, an option, an unknown batch id); 3 one or more sites failed (the summary says
why); 130 interrupted (run the same command again to resume; a queued batch goes on).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from scanner.cli import common
from scanner.cli.common import (
    db_option,
    echo_json,
    echo_text,
    fail_on_option,
    fail_on_reasons,
    load_result,
    store_errors,
)
from scanner.cli.options import given_options, scan_config_options
from scanner.cli.progress import progress_display, progress_option
from scanner.errors import ConfigError, first_line, printable, redact_url

EXIT_SITES_FAILED = 3


class _BatchCommand(click.Command):
    """``batch SITES`` and ``batch status ID``: ``status`` first runs ``batch_status``."""

    def make_context(self, info_name, args, parent=None, **extra):  # type: ignore[no-untyped-def]
        if args and args[0] == "status":
            return batch_status.make_context(f"{info_name} status", args[1:], parent, **extra)
        return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        if ctx.command is not self:
            return ctx.command.invoke(ctx)
        return super().invoke(ctx)


queue_option = click.option(
    "--queue",
    envvar="COOKIESCAN_QUEUE",
    metavar="URL",
    help="Send the sites to Celery workers on this Redis broker, redis://HOST:PORT/N "
    "(default: $COOKIESCAN_QUEUE; none: scan here).",
)


@click.command(cls=_BatchCommand)
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
@fail_on_option
@db_option
@click.option("--no-history", is_flag=True, help="Do not record the scans in the history.")
@scan_config_options(given_only=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the JSON summary here instead of stdout.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    help="text: a short summary for people; json: the summary as JSON (default: text on a "
    "terminal without -o, else json).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
@progress_option
@queue_option
@click.option(
    "--no-wait", is_flag=True, help="With --queue: print the batch id and return at once."
)
@store_errors
def batch(
    sites: str,
    out_dir: str | None,
    jobs: int,
    site_timeout: float | None,
    fail_on: tuple[str, ...],
    db: str | None,
    no_history: bool,
    output: str | None,
    fmt: str | None,
    quiet: bool,
    progress_mode: str,
    queue: str | None,
    no_wait: bool,
    **options: Any,
) -> None:
    """Scan every site listed in SITES, a few at a time, one result file per site

    SITES is a text file (one URL a line, # comments) or a TOML file with a [defaults]
    table and [[site]] entries holding any scan option (url, first_party, max_pages,
    proxy...). Scan options given here apply to every site; a site's own entry wins.
    Running the same command again skips the sites already done, so an interrupted
    batch resumes. A JSON summary goes to stdout (and to OUT-DIR/batch-summary.json);
    progress to stderr. On a terminal, without --format or -o, a short summary for people
    is printed instead: sites ok and failed, the worst findings of each site.

    With --evidence DIR, each site keeps a sealed evidence pack in DIR/NAME (NAME as its
    result file; `cookiescan verify DIR` checks them all). A site scanned again never
    overwrites a sealed pack: it gets DIR/NAME~2; a pack left unsealed by a killed run is
    cleared and written again.

    With --queue, `cookiescan worker`s scan the sites and record them in the history
    database (--db, or $COOKIESCAN_DB: the workers' database); `batch status ID` tells
    how a queued batch is doing. Queued with --evidence DIR, the workers write the packs:
    DIR must be shared storage they reach at the same path, and each worker signs with its
    own `worker --evidence-key` (no key travels through the queue).

    Example:

    \b
        cookiescan batch sites.txt -d results/ --jobs 4
        cookiescan batch sites.toml --max-pages 10 --fail-on high
        cookiescan batch sites.txt --queue redis://127.0.0.1:6379/0 \\
            --db postgresql+psycopg://scanner@db/history
        cookiescan batch status b-5f2c9a1e7d30 --db postgresql+psycopg://scanner@db/history
        cookiescan batch sites.txt --evidence packs/ --evidence-key evidence.key
    """
    from scanner.fleet.batch import run_batch
    from scanner.fleet.sites import load_sites

    say: Callable[[str], None] = (lambda _m: None) if quiet else common.say
    db = db or os.environ.get("COOKIESCAN_DB") or None
    if queue and no_history:
        raise click.UsageError("--queue records every site in the history: drop --no-history")
    if no_wait and not queue:
        raise click.UsageError("--no-wait needs --queue")
    if no_history and "new" in fail_on:
        raise click.UsageError("--fail-on new compares with the history: drop --no-history")
    defaults = given_options(options)
    try:
        job_list = load_sites(sites, defaults, warn=say)
    except ConfigError as exc:
        raise click.UsageError(printable(redact_url(str(exc)))) from None
    out = Path(out_dir) if out_dir else Path(sites).with_name(Path(sites).stem + "-results")
    _check_evidence(job_list, queued=bool(queue))
    from scanner.fleet import history

    if not no_history:
        history.check(db)  # a database that cannot be used costs no scan

    for_a_person = fmt == "text" or (fmt is None and output is None and sys.stdout.isatty())
    try:
        with progress_display(progress_mode, quiet=quiet) as progress:

            def record(outcome: dict[str, Any]) -> None:
                if no_history or not outcome.get("result_file"):
                    return
                try:
                    result = load_result(outcome["result_file"])
                    scan_id = history.record(result, db, source="batch")
                except (history.StoreError, click.ClickException) as exc:
                    progress(f"warning: {outcome['name']} not recorded in the history: {exc}")
                    return
                outcome["history_id"] = scan_id

            if queue:
                summary = _queued(job_list, out, queue, db, site_timeout, no_wait, progress)
                if summary is None:
                    return
            else:
                summary = run_batch(
                    job_list,
                    out,
                    concurrency=jobs,
                    progress=progress,
                    site_timeout=site_timeout,
                    on_done=record,
                )
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted: run the same command again to resume ({out})", err=True)
        sys.exit(130)
    reasons = _fail_on_reasons(summary, fail_on, db) if fail_on else []
    summary["fail_on"] = reasons
    if for_a_person:
        from scanner.cli.summary import batch_summary

        echo_text(batch_summary(summary, _results(summary)), nl=False)
        for line in _evidence_lines(summary):
            echo_text(line)
        if output:
            echo_json(summary, output)
    else:
        echo_json(summary, output)
        with progress_display(progress_mode, quiet=quiet) as progress:
            _say_done(summary, reasons, out, progress)  # NDJSON with --progress json
    if reasons:
        sys.exit(1)
    if summary["failed"]:
        sys.exit(EXIT_SITES_FAILED)


def _say_done(summary: dict[str, Any], reasons: list[str], out: Path, say: Callable) -> None:
    say(
        f"done: {summary['ok'] + summary['page_errors']} scanned, {summary['failed']} failed, "
        f"{summary['skipped']} skipped, in {summary['seconds']} s; results in {out}"
    )
    for failure in summary["failures"]:
        say(f"  failed: {failure['url']}: {failure['reason']}")
    for reason in reasons:
        say(f"  fail-on: {reason}")
    for line in _evidence_lines(summary):
        say(line)


def _evidence_lines(summary: dict[str, Any]) -> list[str]:
    """Where the evidence packs are, and which sites that ran have none sealed."""
    outcomes = summary["outcomes"]
    folders = sorted({str(Path(o["evidence"]).parent) for o in outcomes if o.get("evidence")})
    if not folders:
        return []
    sealed = sum(1 for o in outcomes if o.get("evidence"))
    lines = [f"evidence packs: {sealed} sealed in {', '.join(folders)} (cookiescan verify DIR)"]
    lines += [f"  no sealed pack: {o['name']}" for o in outcomes if not o.get("evidence")]
    return lines


def _check_evidence(job_list: list, *, queued: bool) -> None:
    """Evidence options that cannot work are exit 2 before any scan: a signing key that is not
    one (or one given to a queued batch: the workers sign), a folder that cannot be made."""
    from scanner.evidence.keys import load_private

    for key in {job.config.get("evidence_key") for job in job_list} - {None, ""}:
        if queued:
            raise click.UsageError(
                "--evidence-key: the workers sign a queued batch's packs; give the key to "
                "cookiescan worker --evidence-key (no key travels through the queue)"
            )
        try:
            load_private(key)
        except ConfigError as exc:
            raise click.UsageError(f"--evidence-key {printable(str(exc))}") from None
    for root in {job.config.get("evidence_dir") for job in job_list} - {None, ""}:
        try:
            if not queued:  # a queued batch's folder is the workers' shared storage
                Path(root).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise click.UsageError(f"--evidence {root}: cannot create: {exc.strerror}") from None


def _results(summary: dict[str, Any]) -> dict[str, Any]:
    """Each site's saved result, by name (None where it cannot be read)."""
    results: dict[str, Any] = {}
    for outcome in summary["outcomes"]:
        try:
            results[outcome["name"]] = (
                load_result(outcome["result_file"]) if outcome.get("result_file") else None
            )
        except click.ClickException:
            results[outcome["name"]] = None
    return results


def _fail_on_reasons(summary: dict[str, Any], levels: tuple[str, ...], db: str | None) -> list:
    """``fail_on_reasons`` of every site that has a result, in the summary's order."""
    reasons: list[str] = []
    for outcome in summary["outcomes"]:
        if outcome.get("result_file"):
            reasons += fail_on_reasons(load_result(outcome["result_file"]), levels, db)
    return reasons


def _queued(
    job_list: list,
    out: Path,
    queue: str,
    db: str | None,
    site_timeout: float | None,
    no_wait: bool,
    say: Callable[[str], None],
) -> dict[str, Any] | None:
    """Enqueue the sites not done yet in ``out``; wait for them (the summary) unless no_wait."""
    from scanner.fleet.batch import paths, skipped_outcome
    from scanner.fleet.packs import with_site_pack
    from scanner.fleet.queue import enqueue_batch, make_app, wait_batch

    skipped = {
        job.name: skipped_outcome(with_site_pack(job, absolute=True), result)
        for job in job_list
        if (result := paths(out, job.name)["result"]).exists()
    }
    todo = [job for job in job_list if job.name not in skipped]
    if skipped:
        say(f"{len(skipped)} of {len(job_list)} site(s) already done in {out}: skipped")
    try:
        batch_id = enqueue_batch(
            make_app(queue, db), todo, db, out_dir=str(out), site_timeout=site_timeout
        )
    except ConfigError as exc:
        raise click.UsageError(printable(redact_url(str(exc)))) from None
    except Exception as exc:  # noqa: BLE001 - kombu's errors: the broker cannot be reached
        raise click.ClickException(
            f"queue {redact_url(queue)}: {type(exc).__name__}: {first_line(exc)}"
        ) from None
    if no_wait:
        click.echo(batch_id)
        say(f"queued {len(todo)} site(s) as batch {batch_id}: cookiescan batch status {batch_id}")
        return None
    say(f"queued {len(todo)} site(s) as batch {batch_id}; waiting for the workers")
    return wait_batch(db, batch_id, job_list, out, progress=say, skipped=skipped)


@click.command("status")
@click.argument("batch_id", metavar="ID")
@db_option
@store_errors
def batch_status(batch_id: str, db: str | None) -> None:
    """How a queued batch is doing: counts by state and each site's state, as JSON

    Example:

    \b
        cookiescan batch status b-5f2c9a1e7d30 --db postgresql+psycopg://scanner@db/history
    """
    from scanner.fleet import batchstate

    db = db or os.environ.get("COOKIESCAN_DB") or None
    try:
        status = batchstate.status(db, batch_id)
    except KeyError as exc:
        raise click.UsageError(str(exc.args[0])) from None
    echo_json(status, None)
