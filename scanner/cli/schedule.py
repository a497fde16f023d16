"""``cookiescan schedule``: add, list, remove and run scheduled scans (``scanner.fleet.schedule``).

Attached to the main CLI by ``scanner.cli``.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import click

from scanner.cli.common import InputError, db_option, store_errors
from scanner.cli.options import given_options, scan_config_options
from scanner.errors import printable, redact_url

store_option = click.option(
    "--store",
    metavar="PATH|URL",
    help="Schedule store: a SQLite file or a SQLAlchemy URL (default: schedules.sqlite in the "
    "data dir, $XDG_DATA_HOME/cookiescan or the platform's).",
)


@click.group()
def schedule() -> None:
    """Scans that run on a schedule, recorded in the history

    Add schedules, then keep `cookiescan schedule run` running (a service, a container).
    Times are UTC. See docs/scheduling.md for cron, systemd, Kubernetes and CI instead.

    Example:

    \b
        cookiescan schedule add https://www.example.com/ --cron "0 3 * * 1"
        cookiescan schedule run
    """


@schedule.command("add")
@click.argument("url")
@click.option("--cron", metavar="EXPR", help='Crontab expression, UTC, e.g. "0 3 * * 1".')
@click.option("--every", type=click.FloatRange(1), metavar="SECONDS", help="Or an interval.")
@click.option("--id", "schedule_id", help="Name of the schedule (default: from the URL).")
@click.option("--replace", is_flag=True, help="Replace a schedule with the same id.")
@click.option("--webhook", metavar="URL", help="POST a JSON summary of new findings here.")
@click.option("--webhook-secret", metavar="SECRET",
              help="Sign the webhook's POSTs (HMAC-SHA256, X-Cookiescan-Signature-256); "
              "default: $COOKIESCAN_WEBHOOK_SECRET of `schedule run`.")  # fmt: skip
@click.option("-d", "--out-dir", type=click.Path(file_okay=False), help="Folder for results.")
@scan_config_options(given_only=True)
@db_option
@store_option
@store_errors
def schedule_add(
    url: str,
    cron: str | None,
    every: float | None,
    schedule_id: str | None,
    replace: bool,
    webhook: str | None,
    webhook_secret: str | None,
    out_dir: str | None,
    db: str | None,
    store: str | None,
    **options: Any,
) -> None:
    """Scan URL on a schedule

    URL must be http(s); an IDN host is stored in punycode. --id names the folder of the
    results: letters, digits, '.', '_' and '-'. A cron expression that never fires
    (0 3 30 2 *) is refused; exit 2 for any refused input.

    Example:

    \b
        cookiescan schedule add https://www.example.com/ --cron "0 3 * * 1" --max-pages 20
        cookiescan schedule add https://shop.example.com/ --every 3600 \\
            --webhook https://hooks.example.com/cookiescan
    """
    from scanner.fleet.schedule import ScheduleError, add_schedule

    try:
        added = add_schedule(
            url,
            cron=cron,
            every=every,
            options=given_options(options),
            schedule_id=schedule_id,
            db=db,
            out_dir=out_dir,
            webhook=webhook,
            webhook_secret=webhook_secret,
            store=store,
            replace=replace,
        )
    except ScheduleError as exc:
        raise InputError(printable(redact_url(str(exc)))) from None
    click.echo(f"added {added['id']}: next run {added['next_run_time']}", err=True)
    click.echo(json.dumps(_public(added), indent=2))


def _public(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry without its options, and without the URL's credentials (the store keeps them
    to run the scan; a listing does not show them)."""
    shown = {k: v for k, v in entry.items() if k != "options"}
    if isinstance(shown.get("url"), str):
        shown["url"] = redact_url(shown["url"])
    return shown


@schedule.command("list")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="json",
              show_default=True, help="Output format.")  # fmt: skip
@click.option("--verbose", is_flag=True, help="Include every scan option (JSON).")
@store_option
@store_errors
def schedule_list(fmt: str, verbose: bool, store: str | None) -> None:
    """List schedules and their next run time

    Example:

    \b
        cookiescan schedule list --format table
    """
    from scanner.fleet.schedule import list_schedules

    entries = list_schedules(store)
    if fmt == "json":
        click.echo(json.dumps(entries if verbose else [_public(e) for e in entries], indent=2))
        return
    for entry in entries:
        click.echo(printable(f"{entry['id']}  {redact_url(entry['url'])}  "
                             f"next {entry['next_run_time']}  {entry['trigger']}"))  # fmt: skip


@schedule.command("remove")
@click.argument("schedule_id", metavar="ID")
@store_option
@store_errors
def schedule_remove(schedule_id: str, store: str | None) -> None:
    """Remove a schedule

    Example:

    \b
        cookiescan schedule remove www.example.com
    """
    from scanner.fleet.schedule import ScheduleError, remove_schedule

    try:
        remove_schedule(schedule_id, store)
    except ScheduleError as exc:
        raise InputError(printable(str(exc))) from None
    click.echo(f"removed {schedule_id}", err=True)


@schedule.command("run")
@click.option("--workers", type=click.IntRange(1), default=1, show_default=True,
              help="Scans that may run at once.")  # fmt: skip
@click.option("--poll", type=click.FloatRange(1), default=30.0, show_default=True,
              help="Seconds between looks for schedules added elsewhere.")  # fmt: skip
@click.option("--stop-after", type=click.FloatRange(0), metavar="SECONDS",
              help="Stop after this long (default: run until Ctrl-C or SIGTERM).")  # fmt: skip
@click.option("--log-file", type=click.Path(dir_okay=False), help="Also log to this file.")
@click.option("--queue", metavar="URL", envvar="COOKIESCAN_QUEUE",
              help="Send each due scan to the Celery workers on this Redis URL (cookiescan "
              "worker) instead of scanning here ($COOKIESCAN_QUEUE).")  # fmt: skip
@store_option
@store_errors
def schedule_run(
    workers: int,
    poll: float,
    stop_after: float | None,
    log_file: str | None,
    queue: str | None,
    store: str | None,
) -> None:
    """Run the scheduled scans as they fall due, until stopped

    Each run is logged (stderr, and --log-file) and recorded in the history. A restart
    never runs the same occurrence twice; occurrences missed while stopped run once.

    Example:

    \b
        cookiescan schedule run --log-file /var/log/cookiescan.log
    """
    from scanner.fleet.schedule import ScheduleError, run_scheduler

    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    logger = logging.getLogger("cookiescan")
    for handler in handlers:
        handler.setFormatter(formatter)
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        run_scheduler(store, workers=workers, poll=poll, stop_after=stop_after, queue=queue)
    except ScheduleError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
            handler.close()
