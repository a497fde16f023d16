"""The dashboard's web app: its routes, each page in HTML and the same data as JSON.

Pages (each also as JSON under ``/api``, the same data, for scripts):

- ``/``: every site, its latest verdict, findings, changes, next run (``/api/sites``);
- ``/site?site=URL``: one site's trend chart, scans, schedules (``/api/site``);
- ``/diff?old=ID&new=ID``: two scans side by side, and what changed (``/api/diff``);
- ``/schedules``: pause, resume, run now (``/api/schedules``);
- ``/scan``: start a scan of a URL; ``/tasks/ID``: its progress, live (``/api/tasks/ID``).

A scan's files: ``/scans/ID/report[?since=ID]`` (its HTML report, as ``reports`` renders it,
with the report's own CSP), ``/scans/ID/result.json``, ``/scans/ID/evidence/NAME``.

Every POST answers with a redirect, or with JSON when the request accepts
``application/json``. The guards are in ``scanner.dashboard.security``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

import reports
from scanner.analyse.diff import diff_results
from scanner.dashboard import data, schedules
from scanner.dashboard.chart import trend_svg
from scanner.dashboard.security import CSRF_FIELD, Guard, checked_form, new_csrf_token
from scanner.dashboard.settings import Settings
from scanner.dashboard.tasks import Tasks
from scanner.errors import ConfigError, CookiescanError, ScheduleError, first_line
from scanner.model import PHASES

HERE = Path(__file__).parent
_META_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"')


def create_app(settings: Settings) -> Starlette:
    """The dashboard over ``settings.db``; ``ConfigError`` when its settings are unsafe."""
    settings.check()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        app.state.tasks.close()

    page_routes = [
        _page("/", "/api/sites", "sites.html", _sites),
        _page("/site", "/api/site", "site.html", _site),
        _page("/diff", "/api/diff", "diff.html", _diff),
        _page("/schedules", "/api/schedules", "schedules.html", _schedules),
        _page("/scan", "/api/scan", "scan.html", _scan_form),
        _page("/tasks/{task_id}", "/api/tasks/{task_id}", "task.html", _task),
    ]
    routes: list[BaseRoute] = [route for pair in page_routes for route in pair]
    routes += [
        Route("/api/tasks", _api_tasks),
        Route("/api/scans/{scan_id:int}", _api_scan),
        Route("/scans/{scan_id:int}/report", report),
        Route("/scans/{scan_id:int}/result.json", result_json),
        Route("/scans/{scan_id:int}/evidence/{name}", evidence),
        Route("/scan", start_scan, methods=["POST"]),
        Route("/schedules/{action}", schedule_action, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(Guard, settings=settings),
            Middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts()),
        ],
        exception_handlers={HTTPException: _error},  # type: ignore[dict-item]
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.csrf_token = new_csrf_token()
    app.state.tasks = Tasks(settings)
    app.state.templates = _templates()
    return app


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every template, whatever its name: site data is hostile
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(link=link, phases=PHASES, csrf_field=CSRF_FIELD)
    env.filters.update(when=_when, safe_href=safe_href)
    return env


def link(path: str, **params: Any) -> str:
    """``path`` with ``params`` as its query (None values left out), for hrefs."""
    query = urlencode({k: v for k, v in params.items() if v is not None and v != ""})
    return path + (f"?{query}" if query else "")


def safe_href(url: Any) -> str | None:
    """``url`` when it is http(s), for a link to a scanned site; else None (no link)."""
    text = str(url or "")
    return text if text.lower().startswith(("http://", "https://")) else None


def _when(value: Any) -> str:
    """An ISO 8601 time as ``YYYY-MM-DD HH:MM`` in UTC (the pages say so); else as given."""
    text = str(value or "")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M")


# -- pages: one builder each, shown as HTML or sent as JSON -------------------------------------

Builder = Callable[[Request], dict[str, Any]]


def _page(path: str, api_path: str, template: str, build: Builder) -> tuple[Route, Route]:
    async def html(request: Request) -> Response:
        return render(request, template, await _build(build, request))

    async def api(request: Request) -> Response:
        return JSONResponse(await _build(build, request))

    return Route(path, html), Route(api_path, api)


async def _build(build: Builder, request: Request) -> dict[str, Any]:
    try:
        return await run_in_threadpool(build, request)
    except KeyError as exc:
        raise HTTPException(404, str(exc.args[0]) if exc.args else "not found") from None
    except (ValueError, ConfigError) as exc:
        raise HTTPException(400, str(exc)) from None
    except CookiescanError as exc:  # a history or schedule store that cannot be read
        raise HTTPException(500, first_line(exc)) from None


def render(
    request: Request, template: str, page: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """``template`` with ``page`` (the data the JSON endpoint sends), ours to escape."""
    settings: Settings = request.app.state.settings
    html = request.app.state.templates.get_template(template).render(
        page=page,
        path=request.url.path,
        json_url=_json_url(request),
        read_only=settings.read_only,
        csrf_token="" if settings.read_only else request.app.state.csrf_token,
    )
    return HTMLResponse(html, status_code=status)


def _json_url(request: Request) -> str:
    """The JSON endpoint of the page asked for (the same data, for scripts)."""
    path = "/api/sites" if request.url.path == "/" else "/api" + request.url.path
    query = request.url.query
    return path + (f"?{query}" if query else "")


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _int(request: Request, name: str) -> int:
    value = request.query_params.get(name, "")
    if not value.isdigit():
        raise ValueError(f"'{name}' must be a scan id, got {value!r}")
    return int(value)


def _sites(request: Request) -> dict[str, Any]:
    s, q = _settings(request), request.query_params
    return data.sites(s.db, s.store, q=q.get("q", ""), verdict=q.get("verdict", ""),
                      sort=q.get("sort", "verdict"), order=q.get("order", "desc"))  # fmt: skip


def _site(request: Request) -> dict[str, Any]:
    key = request.query_params.get("site", "")
    if not key:
        raise ValueError("give ?site=URL (a start URL or a host name)")
    s = _settings(request)
    page = data.site(s.db, s.store, key)
    if not request.url.path.startswith("/api/"):
        page = {**page, "chart_svg": trend_svg(page["chart"])}
    return page


def _diff(request: Request) -> dict[str, Any]:
    return data.diff(_settings(request).db, _int(request, "old"), _int(request, "new"))


def _actions(request: Request) -> dict[str, Any]:
    """What a page with actions adds: the scans started here, and the CSRF token that a
    script sends back (``X-CSRF-Token``) to act as the page's forms do."""
    read_only = _settings(request).read_only
    return {
        "tasks": [t.to_dict() for t in request.app.state.tasks.all()],
        "csrf_token": None if read_only else request.app.state.csrf_token,
    }


def _schedules(request: Request) -> dict[str, Any]:
    store = _settings(request).store
    return {"schedules": schedules.list_all(store), "store": schedules.exists(store),
            **_actions(request)}  # fmt: skip


def _scan_form(request: Request) -> dict[str, Any]:
    if _settings(request).read_only:
        raise HTTPException(403, "this dashboard is read-only")
    return {"phases": list(PHASES), "max_pages": 20, **_actions(request)}


def _task(request: Request) -> dict[str, Any]:
    task = request.app.state.tasks.get(request.path_params["task_id"])
    return {"task": task.to_dict()}  # type: ignore[no-any-return]


async def _api_tasks(request: Request) -> Response:
    return JSONResponse({"tasks": [t.to_dict() for t in request.app.state.tasks.all()]})


async def _api_scan(request: Request) -> Response:
    db, scan_id = _settings(request).db, request.path_params["scan_id"]
    return JSONResponse(await _build(lambda _r: data.scan(db, scan_id), request))


# -- a scan's files: its report, its result, its evidence ---------------------------------------


async def report(request: Request) -> Response:
    """The scan's HTML report as ``reports.render`` makes it, sent with its own CSP."""
    db, scan_id = _settings(request).db, request.path_params["scan_id"]
    since = request.query_params.get("since")

    def make() -> str:
        result = data.load(db, scan_id)
        changes = None
        if since:
            if not since.isdigit():
                raise ValueError(f"'since' must be a scan id, got {since!r}")
            changes = diff_results(data.load(db, int(since)), result)
        return str(reports.render(result, "html", changes=changes))

    html = await _build(lambda _r: {"html": make()}, request)
    found = _META_CSP.search(html["html"])
    csp = found.group(1) if found else "default-src 'none'; style-src 'unsafe-inline'"
    return HTMLResponse(
        html["html"], headers={"Content-Security-Policy": csp + "; frame-ancestors 'none'"}
    )


async def result_json(request: Request) -> Response:
    """The scan's result as JSON (cookie values left out, as ``cookiescan report`` does)."""
    db, scan_id = _settings(request).db, request.path_params["scan_id"]
    page = await _build(
        lambda _r: {"json": reports.render(data.load(db, scan_id), "json")}, request
    )
    return Response(
        page["json"],
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="scan-{scan_id}.json"'},
    )


async def evidence(request: Request) -> Response:
    """An evidence file kept in the result (a banner screenshot), as a PNG."""
    db, scan_id = _settings(request).db, request.path_params["scan_id"]
    name = str(request.path_params["name"])
    page = await _build(
        lambda _r: {"png": data.evidence_png(data.load(db, scan_id), name)}, request
    )
    if page["png"] is None:
        raise HTTPException(404, f"scan {scan_id} kept no evidence file {name!r}")
    return Response(page["png"], media_type="image/png")


# -- actions (POST): CSRF-checked, refused when read-only ---------------------------------------


def _done(request: Request, where: str, payload: dict[str, Any]) -> Response:
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(payload)
    return RedirectResponse(where, status_code=303)


async def start_scan(request: Request) -> Response:
    form = await checked_form(request)
    phases = [p for p in form.getlist("phases") if isinstance(p, str)]
    options: dict[str, Any] = {"phases": phases or list(PHASES)}
    pages = str(form.get("max_pages") or "").strip()
    if pages:
        if not pages.isdigit():
            raise HTTPException(400, f"'max pages' must be a whole number, got {pages!r}")
        options["max_pages"] = int(pages)
    try:
        task = request.app.state.tasks.start_scan(str(form.get("url") or "").strip(), options)
    except ConfigError as exc:
        raise HTTPException(400, str(exc)) from None
    return _done(request, f"/tasks/{task.id}", {"task": task.to_dict()})


async def schedule_action(request: Request) -> Response:
    form = await checked_form(request)
    action, schedule_id = request.path_params["action"], str(form.get("id") or "")
    store = _settings(request).store
    try:
        if action == "pause":
            await run_in_threadpool(schedules.pause, store, schedule_id)
        elif action == "resume":
            await run_in_threadpool(schedules.resume, store, schedule_id)
        elif action == "run":
            task = await run_in_threadpool(request.app.state.tasks.run_schedule, schedule_id)
            return _done(request, f"/tasks/{task.id}", {"task": task.to_dict()})
        else:
            raise HTTPException(404, f"no action {action!r}")
    except ScheduleError as exc:
        raise HTTPException(404, str(exc)) from None
    return _done(request, "/schedules", {"ok": True, "action": action, "id": schedule_id})


async def _error(request: Request, exc: HTTPException) -> Response:
    if request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    ):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    page = {"status": exc.status_code, "message": exc.detail}
    return render(request, "error.html", page, exc.status_code)
