"""The dashboard's guards: the token, CSRF on every POST, read-only, and every page's headers.

- When a token is set (it must be to listen beyond loopback), every request carries it:
  ``Authorization: Bearer TOKEN``, or the cookie that opening ``/?token=TOKEN`` once sets
  (HttpOnly, SameSite=Strict), so that a browser can use the dashboard too.
- On loopback the Host header must be a loopback name, so that a page whose DNS name is rebound
  to 127.0.0.1 cannot read the dashboard (Starlette's ``TrustedHostMiddleware``).
- Every POST carries the CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``), an
  HMAC of a secret drawn when the process starts, compared in constant time; a POST whose
  ``Origin`` is another host is refused too. ``--read-only`` refuses every POST.
- Every response gets a strict Content-Security-Policy (pages: our own CSS and JS files, no
  inline script; a report keeps the policy it declares itself), ``nosniff``, no framing, and
  a referrer only to the dashboard itself (``same-origin``: with ``no-referrer`` a browser
  sends ``Origin: null`` on a POST, which the Origin check refuses). Site data is escaped by
  Jinja2 (autoescape) before any of this matters.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from scanner.dashboard.settings import Settings

PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
TOKEN_COOKIE = "cookiescan_token"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def new_csrf_token() -> str:
    """The CSRF token of this process: an HMAC of a secret that lives only in memory."""
    secret = secrets.token_bytes(32)
    return hmac.new(secret, b"cookiescan-dashboard-csrf", hashlib.sha256).hexdigest()


class Guard:
    """ASGI middleware: the token check and the security headers of every response."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.token = settings.token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.token and not self._authorised(scope):
            await self._refuse_or_admit(scope, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_security_headers(list(message.get("headers", [])))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _authorised(self, scope: Scope) -> bool:
        assert self.token is not None
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = ""
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            given = auth[7:].strip()
        else:
            given = _cookie(headers.get("cookie", ""), TOKEN_COOKIE)
        return bool(given) and hmac.compare_digest(given.encode(), self.token.encode())

    async def _refuse_or_admit(self, scope: Scope, send: Send) -> None:
        """``?token=TOKEN`` on a GET sets the cookie and redirects without it; else 401."""
        assert self.token is not None
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"))
        given = next((v for k, v in query if k == "token"), "")
        if (
            scope["method"] == "GET"
            and given
            and hmac.compare_digest(given.encode(), self.token.encode())
        ):
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            location = scope["path"] + (f"?{rest}" if rest else "")
            secure = "; Secure" if scope.get("scheme") == "https" else ""
            cookie = f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict{secure}"
            await _plain(send, 303, "", [(b"location", location.encode()),
                                        (b"set-cookie", cookie.encode())])  # fmt: skip
            return
        await _plain(
            send,
            401,
            "cookiescan serve: a token is required (Authorization: Bearer TOKEN, "
            "or open /?token=TOKEN once)\n",
            [(b"www-authenticate", b'Bearer realm="cookiescan"')],
        )


def _cookie(header: str, name: str) -> str:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


async def _plain(send: Send, status: int, text: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = text.encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        *headers,
    ]
    await send(
        {"type": "http.response.start", "status": status,
         "headers": _with_security_headers(headers)}
    )  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def _with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    names = {k.lower() for k, _ in headers}
    extra = [
        (b"content-security-policy", PAGE_CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
        (b"cache-control", b"no-store"),
    ]
    return headers + [(k, v) for k, v in extra if k not in names]


async def checked_form(request: Request) -> FormData:
    """The form of a POST, once it passed the read-only, Origin and CSRF checks (else 403)."""
    settings: Settings = request.app.state.settings
    if settings.read_only:
        raise HTTPException(403, "this dashboard is read-only")
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(403, "cross-origin request refused")
    form = await request.form()
    given = str(form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or "")
    expected: str = request.app.state.csrf_token
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
    return form
