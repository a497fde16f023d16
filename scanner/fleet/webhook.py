"""The webhook of a schedule: POST a run's JSON summary, signed, with timeouts and retries.

httpx2 sends it, with a timeout on every phase of the request and no redirects followed.
A connection error, a timeout, a 429 or a 5xx answer is tried again after an exponential
backoff with jitter (``Retry-After`` is honoured, up to a minute); any other answer is final.
Every attempt of one delivery carries the same ``X-Cookiescan-Delivery`` id, so a receiver
can drop a repeat. With a secret, ``X-Cookiescan-Signature-256`` is ``sha256=`` and the hex
HMAC-SHA256 of the exact body, as GitHub signs its webhooks; ``verify`` checks it.

Only the webhook's scheme and host are logged: a webhook URL often holds its own token.

Example::

    notify("https://hooks.example.com/cookiescan", {"schedule": "shop"}, secret="s3cret")
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import threading
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger("cookiescan.webhook")

#: The environment variable a schedule's webhook secret is read from when none is stored.
SECRET_ENV = "COOKIESCAN_WEBHOOK_SECRET"
SIGNATURE_HEADER = "X-Cookiescan-Signature-256"
DELIVERY_HEADER = "X-Cookiescan-Delivery"
#: Answers worth trying again: the receiver is busy or broken for now.
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_DELAY = 60.0


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``.

    >>> sign("s3cret", b'{"a": 1}')[:15]
    'sha256=1a9fab6c'
    """
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` (the header as received) signs ``body`` with ``secret``; the
    check a receiver makes, in constant time."""
    return bool(signature) and hmac.compare_digest(sign(secret, body), str(signature))


def notify(
    url: str,
    payload: dict[str, Any],
    timeout: float = 10.0,
    *,
    secret: str | None = None,
    attempts: int = 4,
    backoff: float = 1.0,
    cancel: threading.Event | None = None,
) -> bool:
    """POST ``payload`` as JSON to ``url``; True once a 2xx answer came.

    At most ``attempts`` tries, ``backoff`` × 2ⁿ seconds apart (with jitter); stops waiting
    when ``cancel`` is set. Never raises: a failure is logged in one line.
    """
    import httpx2

    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "cookiescan-webhook",
        DELIVERY_HEADER: uuid.uuid4().hex,
    }
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, body)
    where = _where(url)
    limits = httpx2.Timeout(timeout, connect=min(timeout, 5.0))
    with httpx2.Client(timeout=limits, follow_redirects=False) as client:
        for attempt in range(1, attempts + 1):
            retry_after = None
            try:
                response = client.post(url, content=body, headers=headers)
            except httpx2.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}".rstrip(": ")
            else:
                if 200 <= response.status_code < 300:
                    log.info("webhook %s: sent (attempt %d)", where, attempt)
                    return True
                problem = f"HTTP {response.status_code}"
                if response.status_code not in RETRY_STATUS:
                    log.warning("webhook %s: refused (%s), not retried", where, problem)
                    return False
                retry_after = _seconds(response.headers.get("Retry-After"))
            if attempt == attempts:
                log.warning("webhook %s failed after %d attempt(s): %s", where, attempt, problem)
                return False
            delay = retry_after if retry_after is not None else _backoff(backoff, attempt)
            log.info("webhook %s: %s; retrying in %.1f s", where, problem, delay)
            if cancel is not None:
                if cancel.wait(delay):
                    log.warning("webhook %s: not sent, the scheduler is stopping", where)
                    return False
            else:
                time.sleep(delay)
    return False  # attempts < 1


def _backoff(base: float, attempt: int) -> float:
    """``base`` × 2^(attempt-1), between half and all of it (jitter), at most a minute."""
    return min(base * 2 ** (attempt - 1), MAX_DELAY) * random.uniform(0.5, 1.0)  # noqa: S311


def _seconds(value: str | None) -> float | None:
    """A ``Retry-After`` in seconds, capped; None for a date or nonsense (then: backoff)."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    if seconds is None or not 0 <= seconds < float("inf"):
        return None
    return min(seconds, MAX_DELAY)


def _where(url: str) -> str:
    """``scheme://host[:port]`` of the webhook, for the log (never its path, query or
    credentials, which may be its token)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(invalid URL)"
    return f"{parts.scheme}://{host}{port}"
