"""Do on a loaded page what a visitor does: scroll to the bottom in steps, move the pointer.

Some trackers load only when the visitor scrolls (a ``scroll`` listener, an
``IntersectionObserver`` on the footer) or on the first pointer move (``mousemove`` /
``pointermove``). ``act_as_visitor`` does both, once, right after ``load`` (after the banner
on a consent phase's start page) and before the page's clock runs the rest of the dwell
(``visit.py``), so what they set off is timed and recorded like any request.

- **scroll**: ``scrollBy`` one viewport (80 %) at a time, waiting an animation frame after
  each step so scroll events and intersection observers fire, until the bottom stops moving
  away (at most ``MAX_STEPS`` steps: an endless feed is not followed forever). It runs in an
  isolated world (``isolated.py``): a page that replaced ``scrollBy`` or
  ``requestAnimationFrame`` does not change what the scan does.
- **pointer**: trusted mouse moves through DevTools (Playwright's ``mouse.move``, in steps),
  from the top left corner across the viewport, as a hand on a mouse does.

Both happen while the page's clock is still the wall clock: the virtual clock (``clock.py``)
starts after them, so input events never wait for a paused clock. Every step is bounded in
wall time (``STEP_TIMEOUT``): a page that stops answering is left to the clock's own checks.

Example::

    done, now = await act_as_visitor(page, reader)
    done        # ('scroll', 'pointer')
    now         # the page's performance.now() in seconds after the scroll, None if frozen
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from scanner.collect.clock import page_time
from scanner.collect.isolated import evaluate_isolated
from scanner.config import ScanConfig

#: Viewport scrolls at most per page.
MAX_STEPS = 25
#: Wall seconds one interaction may take before it is given up.
STEP_TIMEOUT = 5.0

# Scroll one step at a time to the bottom; returns [steps scrolled, performance.now()].
SCROLL_STEPS_JS = (
    """
async () => {
  const root = document.scrollingElement || document.documentElement;
  const frame = () => new Promise((done) => {
    requestAnimationFrame(() => done());
    setTimeout(done, 100);  // a hidden or throttled page gets no animation frame
  });
  let steps = 0;
  while (root && steps < %d) {
    const before = root.scrollTop;
    window.scrollBy(0, Math.max(200, Math.round(innerHeight * 0.8)));
    await frame();
    if (root.scrollTop <= before) break;
    steps += 1;
  }
  return [steps, performance.now()];
}
"""
    % MAX_STEPS
)


async def scroll_steps(page: Any, reader: Any = None) -> tuple[int, float] | None:
    """Scroll ``page`` to the bottom in steps; (steps, page time in s), None when the page did
    not answer within ``STEP_TIMEOUT``."""
    try:
        steps, now = await asyncio.wait_for(
            evaluate_isolated(page, SCROLL_STEPS_JS, reader), STEP_TIMEOUT
        )
    except TimeoutError:
        return None
    return int(steps), float(now) / 1000


async def move_pointer(page: Any) -> bool:
    """Move the mouse from the top left corner to the middle of the viewport and on to its
    lower third; False when the page did not take the moves."""
    viewport = page.viewport_size or {"width": 1366, "height": 768}
    width, height = viewport["width"], viewport["height"]
    try:
        async with asyncio.timeout(STEP_TIMEOUT):
            await page.mouse.move(5, 5)
            await page.mouse.move(width / 2, height / 2, steps=4)
            await page.mouse.move(width * 0.6, height * 0.7, steps=2)
    except Exception:  # noqa: BLE001 - busy, navigating or closed: no pointer this time
        return False
    return True


async def act_as_visitor(page: Any, reader: Any = None) -> tuple[tuple[str, ...], float | None]:
    """Scroll to the bottom in steps, then move the pointer; what was done, and the page's
    clock after the scroll (seconds; None when the page did not answer: frozen or busy).

    Raises what Playwright raises when the page is gone (the visit records it).
    """
    done: list[str] = []
    scrolled = await scroll_steps(page, reader)
    if scrolled is None:
        return (), None
    done.append("scroll")
    if await move_pointer(page):
        done.append("pointer")
    return tuple(done), scrolled[1]


class VisitorActs:
    """The visitor's actions on one page (``interact.py``), run once, and what they did.

    Example::

        acts = VisitorActs(config)
        now = await acts.run(page, reader)    # page time in s after acting, None if frozen
        acts.done                             # ('scroll', 'pointer')
    """

    def __init__(self, config: ScanConfig) -> None:
        self.on = config.interact and config.dwell > 0  # dwell 0: read the page at load
        self.done: tuple[str, ...] = ()
        self.ran = False

    async def run(self, page: Any, reader: Any) -> float | None:
        """Act (once, when ``interact`` is on); the page's clock in seconds after, None when
        the page does not answer. Without interactions, one scroll to the bottom."""
        if self.on and not self.ran:
            self.ran = True
            try:
                self.done, now = await act_as_visitor(page, reader)
                return now
            except Exception:  # noqa: BLE001 - it navigated meanwhile: read its clock anew
                pass
        self.ran = True
        return await page_time(page, SCROLL_JS)


Act = Callable[[], Awaitable[float | None]]

# Scroll to the bottom at once; returns the page's clock (ms).
SCROLL_JS = (
    "() => { window.scrollTo(0, document.documentElement.scrollHeight || 0);"
    " return performance.now(); }"
)


def horizon(config: ScanConfig) -> float:
    """Seconds of page time after ``load`` the virtual clock runs to (0 with no dwell)."""
    return max(config.dwell, config.timers) if config.dwell > 0 else 0.0
