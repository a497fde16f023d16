"""``cookiescan worker``: run a Celery worker that scans the sites queued by ``cookiescan batch
--queue`` and by schedules (``scanner.fleet.queue``). Attached to the main CLI by
``scanner.cli``.

Exit codes: 0 stopped (SIGTERM or Ctrl-C: a warm shutdown, the scans in flight finish);
2 bad input (no queue, a history database that cannot be used, a signing key that is not one).
"""

from __future__ import annotations

import os

import click

from scanner.cli.common import InputError, store_errors

queue_option = click.option(
    "--queue",
    envvar="COOKIESCAN_QUEUE",
    metavar="URL",
    help="The broker: redis://HOST:PORT/N (default: $COOKIESCAN_QUEUE).",
)


@click.command()
@queue_option
@click.option(
    "--db",
    envvar="COOKIESCAN_DB",
    metavar="PATH|URL",
    help="History database every worker records into, e.g. postgresql+psycopg://USER@HOST/DB "
    "(default: $COOKIESCAN_DB, else history.sqlite in the data dir).",
)
@click.option(
    "-c",
    "--concurrency",
    type=click.IntRange(1),
    default=lambda: max(1, (os.cpu_count() or 2) // 2),
    show_default="half the cores",
    help="Worker processes, each scanning one site at a time with its own browser.",
)
@click.option(
    "--spool",
    type=click.Path(file_okay=False),
    help="Folder for journals and results not yet recorded (default: queue-spool in the data dir).",
)
@click.option(
    "--evidence-key",
    envvar="COOKIESCAN_EVIDENCE_KEY",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Sign the evidence packs of batch --evidence with this Ed25519 key (cookiescan "
    "keygen); it stays on this machine (default: $COOKIESCAN_EVIDENCE_KEY; none: unsigned).",
)
@click.option("--name", help="The worker's node name (default: cookiescan@HOST-PID).")
@click.option("--loglevel", default="INFO", show_default=True, help="Celery's log level.")
@store_errors
def worker(
    queue: str | None,
    db: str | None,
    concurrency: int,
    spool: str | None,
    evidence_key: str | None,
    name: str | None,
    loglevel: str,
) -> None:
    """Scan queued sites: a Celery worker on the Redis broker QUEUE

    Each worker process scans one site at a time with the same code as `scan`, records the
    result in the history database, and acknowledges the task only then: a task whose worker
    dies goes to another worker. Start as many workers, on as many machines, as you like.

    With `batch --evidence DIR`, the workers write each site's evidence pack in DIR/NAME:
    DIR must be storage every worker reaches at the same path. Each worker signs with its
    own --evidence-key; no key travels through the queue.

    Example:

    \b
        cookiescan worker --queue redis://127.0.0.1:6379/0 \\
            --db postgresql+psycopg://scanner@db/history --concurrency 2 \\
            --evidence-key /etc/cookiescan/evidence.key
    """
    from scanner.errors import ConfigError
    from scanner.evidence.keys import load_private
    from scanner.fleet import history
    from scanner.fleet.queue import make_app

    if not queue:
        raise click.UsageError("give the broker with --queue URL or COOKIESCAN_QUEUE")
    history.check(db)  # a database that cannot be used stops the worker before it starts
    if evidence_key:
        try:
            load_private(evidence_key)  # a key that is not one stops it too, not each pack
        except ConfigError as exc:
            raise InputError(f"--evidence-key {exc}") from None
    history.dispose()  # the worker processes are forked: each opens its own connections
    app = make_app(queue, db, spool=spool, evidence_key=evidence_key)
    node = name or f"cookiescan@{os.uname().nodename}-{os.getpid()}"
    app.worker_main(
        [
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            f"--loglevel={loglevel}",
            f"--hostname={node}",
            "--without-gossip",
            "--without-mingle",
        ]
    )
