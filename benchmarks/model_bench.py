"""Dump and load a 1,000-page result with pydantic (the model's library) and with msgspec.

The figures chose the library of ``scanner.model`` (docs/libraries.md). Both read the same
declaration (the pydantic dataclasses; msgspec decodes standard dataclasses too); msgspec is
installed only to measure (``pip install msgspec``), and the run says so when it is missing.

    python -m benchmarks.model_bench
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from scanner.model import Cookie, PhaseResult, Request, ScanResult, StorageItem, Visit, to_dict


def big_result(pages: int = 1000) -> ScanResult:
    """A result of ``pages`` visits, each with 30 requests, 8 cookies and 4 storage keys."""
    visits = []
    for n in range(pages):
        url = f"https://www.example.com/page/{n}"
        requests = tuple(
            Request(
                f"https://t{i}.example.net/p?x={n}", "GET", "image", f"t{i}.example.net",
                "third", 10.5 * i, status=200, initiator=url, initiator_type="img",
            )
            for i in range(30)
        )  # fmt: skip
        cookies = tuple(
            Cookie(
                f"c{i}", ".example.com", "/", "first", 390.0, sources=("wire", "jar"),
                value_sha256="0123456789abcdef", value_length=32, time_ms=12.0,
            )
            for i in range(8)
        )  # fmt: skip
        storage = tuple(
            StorageItem("local", "https://www.example.com", f"k{i}", "first", 20) for i in range(4)
        )
        visits.append(
            Visit(
                url, url, 1, "no-interaction", "2026-11-29T10:00:00.000+00:00", 4000.0,
                status=200, title="A page", requests=requests, cookies=cookies, storage=storage,
            )
        )  # fmt: skip
    return ScanResult(
        start_url="https://www.example.com/", first_party=("example.com",), tool_version="0",
        browser_version="Chromium", user_agent="UA", config={}, started_at="t", finished_at="t",
        phases=(PhaseResult("no-interaction", tuple(visits)),),
    )  # fmt: skip


def best(fn: Callable[[], Any], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main() -> None:
    result = big_result()
    raw = json.dumps(to_dict(result)).encode()
    print(f"1,000-page result: {len(raw) / 2**20:.1f} MiB of JSON")
    rows = [
        ("pydantic: JSON -> ScanResult (validated)", lambda: ScanResult.from_json(raw)),
        ("pydantic: ScanResult -> JSON", lambda: result.to_json(indent=None)),
        ("stdlib json.loads alone (no model)", lambda: json.loads(raw)),
    ]
    try:
        import msgspec

        decoder, encoder = msgspec.json.Decoder(ScanResult), msgspec.json.Encoder()
        rows += [
            ("msgspec: JSON -> ScanResult (validated)", lambda: decoder.decode(raw)),
            ("msgspec: ScanResult -> JSON", lambda: encoder.encode(result)),
        ]
    except ImportError:
        print("msgspec is not installed: pip install msgspec to compare")
    for name, fn in rows:
        print(f"{name:45s} {best(fn):8.1f} ms")


if __name__ == "__main__":
    main()
