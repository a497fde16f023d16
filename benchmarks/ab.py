"""The bench's A/B switch: the collector without the instrumentation of issue 12.

``instrumentation_off()`` patches, for the ``with`` block only, the four things issue 12 added
to every page, so ``make bench`` can measure their cost in one run:

- the fingerprinting init script (``fingerprint.js``) and its binding
  (``ContextObserver.attach_fingerprint``);
- the isolated-world reader (``isolated.py``): the page is read with ``page.evaluate`` in the
  page's own world (the page's DevTools session stays: other parts use it too);
- the identifier search: no identifier values are gathered (``Identifiers.add``), so no
  request is searched for them;
- the read of every frame's storage values (``ContextObserver.read_values``).

It is a measuring device, not a setting: a scan with it loses what those parts detect.
``python -m benchmarks.ab [PAGES] [ROUNDS]`` prints the plain bench scan with each part off
alone, all on, all off, and the bare loop (interleaved, best of ``ROUNDS``): which part costs
what.

Example::

    with instrumentation_off():
        scan(config)
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

#: The parts ``instrumentation_off`` can switch off, all by default.
PARTS = ("fingerprint", "isolated", "identifiers", "values")


@contextlib.contextmanager
def instrumentation_off(parts: tuple[str, ...] = PARTS) -> Iterator[None]:
    from scanner.collect import visit
    from scanner.collect.identifiers import Identifiers
    from scanner.collect.observe import ContextObserver

    async def no_fingerprint(self: Any, context: Any) -> None:
        return None

    async def no_values(self: Any, frame: Any, recorder: Any) -> None:
        return None

    async def own_world(page: Any, function: str, session: Any = None) -> Any:
        return await page.evaluate(function)

    def no_identifier(self: Any, *args: Any) -> None:
        return None

    every = {
        "fingerprint": (ContextObserver, "attach_fingerprint", no_fingerprint),
        "values": (ContextObserver, "read_values", no_values),
        "identifiers": (Identifiers, "add", no_identifier),
        "isolated": (visit, "evaluate_isolated", own_world),
    }
    patches = [every[part] for part in parts]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    try:
        for owner, name, new in patches:
            setattr(owner, name, new)
        yield
    finally:
        for owner, name, old in saved:
            setattr(owner, name, old)


def main(argv: list[str]) -> None:
    from benchmarks.bench import bench_web, config_for, run_bare, run_cookiescan

    pages = int(argv[0]) if argv else 200
    rounds = int(argv[1]) if len(argv) > 1 else 2
    best: dict[str, float] = {}
    urls: list[str] = []
    with bench_web(pages + 10) as web:
        config = config_for(web, pages, 4)
        for _ in range(rounds):
            for name in ("all on", "bare", *PARTS, "all off"):
                if name == "bare":
                    secs = run_bare(config, urls)
                else:
                    off = () if name == "all on" else PARTS if name == "all off" else (name,)
                    with instrumentation_off(off):
                        secs, _count, found = run_cookiescan(config)
                    urls = urls or found
                best[name] = min(best.get(name, float("inf")), secs)
    for name, secs in best.items():
        label = name if name in ("all on", "bare", "all off") else f"{name} off"
        print(f"{label:<16} {len(urls) / secs:6.2f} pages/s   ratio {best['bare'] / secs:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
