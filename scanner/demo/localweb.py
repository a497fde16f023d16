"""A local multi-host web on 127.0.0.1, for tests, the demo scan and the benchmark.

First and third parties answer at their real hostnames (``app.mailjet.com``,
``www.googletagmanager.com``…): Chromium is started with ``--host-resolver-rules`` that send
every host to this server, over HTTPS (a throwaway self-signed certificate; Chromium runs with
``--ignore-certificate-errors``) and HTTP. The server routes on the ``Host`` header.

Content comes from a folder per host (``<root>/<host>/<path>``; a folder serves its
``index.html``). A file ``X.headers`` next to ``X`` adds response headers, one ``Name: value`` a
line, plus two pseudo-headers: ``Status: 302`` and ``Delay: 2.5`` (seconds before answering).
Hosts can also be answered by Python (``routes``), as the benchmark's generated site is.

Example::

    with LocalWeb() as web:              # the bundled sites (demo + test fixtures)
        config = ScanConfig(url="https://www.example.com/", **web.scan_options())
"""

from __future__ import annotations

import datetime as _dt
import http.server
import mimetypes
import ssl
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SITES = Path(__file__).parent / "sites"

# Hosts that must fail to resolve, to test unreachable pages.
UNRESOLVABLE = ("unreachable.example.org",)


@dataclass
class Reply:
    """What a route answers: status, headers and body."""

    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0


Route = Callable[[str, str], "Reply | None"]  # (path with query, method) -> Reply | None


def _make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for the local web (only ever used on 127.0.0.1)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cookiescan local web")])
    now = _dt.datetime.now(_dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(days=1))
        .not_valid_after(now + _dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("*.example.com")]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _read_sidecar(path: Path) -> tuple[int, float, list[tuple[str, str]]]:
    status, delay, headers = 200, 0.0, []
    sidecar = path.with_name(path.name + ".headers")
    if sidecar.is_file():
        for line in sidecar.read_text().splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            name, _, value = line.partition(":")
            name, value = name.strip(), value.strip()
            if name.lower() == "status":
                status = int(value)
            elif name.lower() == "delay":
                delay = float(value)
            else:
                headers.append((name, value))
    return status, delay, headers


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "cookiescan-localweb"
    protocol_version = "HTTP/1.1"
    web: LocalWeb  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def _answer(self) -> None:
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        self.web.hits.append((host, self.path))
        self.web.client_headers[host] = {
            k.lower(): v
            for k, v in self.headers.items()
            if k.lower() in ("user-agent", "sec-ch-ua", "accept-language", "sec-gpc")
            or k.lower().startswith("x-")
        }
        reply = self.web.resolve(host, self.path, self.command)
        if reply.delay:
            time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            names = {n.lower() for n, _ in reply.headers}
            for name, value in reply.headers:
                self.send_header(name, value)
            if "content-length" not in names:
                self.send_header("Content-Length", str(len(reply.body)))
            if "cache-control" not in names:
                self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._answer()

    do_HEAD = do_GET

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._answer()

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._answer()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a browser closing a connection early is normal here


class LocalWeb:
    """Serve ``roots`` (folders of ``<host>/`` sub-folders) and ``routes`` on 127.0.0.1."""

    def __init__(
        self, roots: list[Path] | None = None, routes: dict[str, Route] | None = None
    ) -> None:
        self.roots = [Path(r) for r in (roots if roots is not None else [SITES])]
        self.routes = dict(routes or {})
        self.hits: list[tuple[str, str]] = []
        #: The last User-Agent and Sec-CH-UA each host received (to test the scanner's disguise).
        self.client_headers: dict[str, dict[str, str]] = {}
        self._servers: list[_Server] = []
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.https_port = 0
        self.http_port = 0

    # -- content -------------------------------------------------------------------------
    def resolve(self, host: str, target: str, method: str = "GET") -> Reply:
        """The reply for ``host`` + ``target`` (path and query)."""
        route = self.routes.get(host)
        if route is not None:
            reply = route(target, method)
            if reply is not None:
                return reply
        path = urlsplit(target).path or "/"
        for root in self.roots:
            base = (root / host).resolve()
            if not base.is_dir():
                continue
            candidate = (base / path.lstrip("/")).resolve()
            if base not in candidate.parents and candidate != base:
                return Reply(403, b"forbidden")
            if candidate.is_dir():
                candidate = candidate / "index.html"
            if candidate.is_file() and not candidate.name.endswith(".headers"):
                status, delay, headers = _read_sidecar(candidate)
                if not any(n.lower() == "content-type" for n, _ in headers):
                    ctype = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
                    if ctype.startswith("text/") or ctype.endswith("javascript"):
                        ctype += "; charset=utf-8"
                    headers.append(("Content-Type", ctype))
                return Reply(status, candidate.read_bytes(), headers, delay)
        # Unknown resources answer an empty 204 quickly: a tracker pixel or ping need no body.
        if any((root / host).is_dir() for root in self.roots) or host in self.routes:
            return Reply(404, b"not found", [("Content-Type", "text/plain")])
        return Reply(204, b"", [("Access-Control-Allow-Origin", "*")])

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> LocalWeb:
        self._tmp = tempfile.TemporaryDirectory(prefix="cookiescan-web-")
        cert, key = _make_certificate(Path(self._tmp.name))
        handler = type("Handler", (_Handler,), {"web": self})
        https = _Server(("127.0.0.1", 0), handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        https.socket = context.wrap_socket(https.socket, server_side=True)
        plain = _Server(("127.0.0.1", 0), handler)
        self.https_port, self.http_port = https.server_address[1], plain.server_address[1]
        for server in (https, plain):
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self._servers.append(server)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> LocalWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def browser_args(self) -> tuple[str, ...]:
        """Chromium flags that send every host to this server."""
        rules = [f"MAP {h} ~NOTFOUND" for h in UNRESOLVABLE]
        rules += [
            f"MAP *:443 127.0.0.1:{self.https_port}",
            f"MAP *:80 127.0.0.1:{self.http_port}",
            "EXCLUDE localhost",
        ]
        return (f"--host-resolver-rules={', '.join(rules)}", "--ignore-certificate-errors")

    def scan_options(self) -> dict[str, Any]:
        """``ScanConfig`` fields that point a scan at this local web."""
        return {"browser_args": self.browser_args(), "ignore_https_errors": True}


def main() -> None:
    """``make site``: serve the bundled sites until Ctrl-C, and say how to browse them."""
    with LocalWeb() as web:
        args = " ".join(f"'{a}'" for a in web.browser_args())
        print(f"HTTPS on 127.0.0.1:{web.https_port}, HTTP on 127.0.0.1:{web.http_port}")
        print(f"browse: chromium {args} https://www.example.com/")
        print("scan:   cookiescan scan   (without URL it serves these sites itself)")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
