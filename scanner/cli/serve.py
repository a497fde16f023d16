"""``cookiescan serve``: the web dashboard over the history (``scanner.dashboard``).

Attached to the main CLI by ``scanner.cli``.
"""

from __future__ import annotations

import os
import sys

import click

from scanner.cli.common import db_option


@click.command()
@db_option
@click.option(
    "--store",
    metavar="PATH|URL",
    help="Schedule store: a SQLite file or a SQLAlchemy URL (default: schedules.sqlite in the "
    "data dir, when it exists).",
)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; beyond loopback, $COOKIESCAN_SERVE_TOKEN "
              "is required.")  # fmt: skip
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True,
              help="Port to listen on.")  # fmt: skip
@click.option("--read-only", is_flag=True,
              help="Only show: hide and refuse every action (pause, run now, scan).")  # fmt: skip
def serve(db: str | None, store: str | None, host: str, port: int, read_only: bool) -> None:
    """Serve a dashboard over the history: every monitored site at a glance

    Sites with their latest verdict and changes, each site's trend and reports, diffs
    between scans, schedules (pause, run now) and one-off scans, in the browser; every
    page is also JSON under /api/. Scans started here run on this machine.

    It listens on 127.0.0.1 only, unless --host says otherwise; then it needs a token in
    $COOKIESCAN_SERVE_TOKEN, which every request must carry (Authorization: Bearer TOKEN,
    or open /?token=TOKEN once in a browser). Use a TLS proxy in front of it.

    Example:

    \b
        cookiescan serve                       # http://127.0.0.1:8765/
        cookiescan serve --db team.sqlite --read-only
        COOKIESCAN_SERVE_TOKEN=... cookiescan serve --host 0.0.0.0
    """
    from scanner.dashboard import TOKEN_ENV, Settings, create_app
    from scanner.errors import ConfigError

    token = os.environ.get(TOKEN_ENV) or None
    settings = Settings(db=db, store=store, host=host, port=port, read_only=read_only,
                        token=token)  # fmt: skip
    try:
        app = create_app(settings)
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    click.echo(
        f"cookiescan dashboard on http://{shown}:{port}/"
        + (" (read-only)" if read_only else "")
        + (f"; requests need ${TOKEN_ENV}" if token else "")
        + " - Ctrl-C stops it",
        err=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
