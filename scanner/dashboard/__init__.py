"""The web dashboard over the scan history (``cookiescan serve``): every monitored site at a
glance, each site's trend, its scans' reports and diffs, its schedules, and scans started here.

Its one job is to *show* the history and the schedule store through a small web app
(Starlette, Jinja2 templates, bundled CSS and JS, charts drawn as SVG on the server); scanning,
recording and scheduling stay in ``scanner.fleet``, reports in ``reports``.

Example::

    from scanner.dashboard import Settings, create_app
    app = create_app(Settings(db="history.sqlite"))      # an ASGI app
    uvicorn.run(app, host="127.0.0.1", port=8765)

Modules: ``app`` (routes, pages), ``data`` (what each page shows, as plain JSON), ``chart``
(the SVG trend), ``schedules`` (the store: list, pause, resume), ``tasks`` (scans started
here), ``security`` (token, CSRF, headers), ``settings``.
"""

from scanner.dashboard.app import create_app
from scanner.dashboard.settings import TOKEN_ENV, Settings, is_loopback

__all__ = ["TOKEN_ENV", "Settings", "create_app", "is_loopback"]
