"""Find the consent banner on a loaded page and accept or reject everything.

Two engines, tried in order (``engines``):

1. ``autoconsent`` — DuckDuckGo's rules for ~1000 known consent platforms
   (``scanner.consent.autoconsent``);
2. ``heuristic`` — our own: a visible overlay with cookie wording, buttons read by text in
   eight languages, in open shadow roots and iframes, with a second (settings) layer when the
   first has no reject button (``scanner.consent.heuristic``).

Whatever happens is returned as a ``ConsentAction`` whose ``details`` keep the evidence:
``found_by`` (``autoconsent`` or ``heuristic``), ``cmp``, ``banner`` (frame, selector, text,
the buttons of its first layer), ``clicks`` (kind, text, selector of each click), ``time_ms``
(the decisive click, in ms since the page's navigation started), ``tcf_before`` /
``tcf_after`` (``__tcfapi`` data), ``gpp_before`` / ``gpp_after`` (``__gpp`` data, the IAB
Global Privacy Platform), ``screenshot_before`` / ``screenshot_after`` (PNG data
URIs of the banner area) and ``autoconsent`` (what its rules detected).

Example (what ``PhaseRunner`` does on the start page of a consent phase)::

    action = await operate_banner(page, "reject-all", recorder)
    action.outcome, action.method, action.text    # ('done', 'heuristic', 'Tout refuser')
"""

from __future__ import annotations

import asyncio
from typing import Any

from scanner.collect.observe import PageRecorder
from scanner.collect.visit import now_iso
from scanner.config import CONSENT_ENGINES
from scanner.consent.autoconsent import Session, available, first_selector, rule_steps
from scanner.consent.heuristic import Banner, find_banner, operate
from scanner.consent.tcf import read_gpp, read_tcf
from scanner.errors import first_line
from scanner.model import ConsentAction

#: Screenshots wider than this are scaled down; taller ones are cut.
_SHOT_WIDTH, _SHOT_HEIGHT, _SHOT_MAX_CHARS = 800, 600, 400_000

# Records every click (also element.click() from a rule) with the element's text and path.
CLICK_RECORDER = """
() => {
  if (window.__cookiescanClicks) return;
  window.__cookiescanClicks = [];
  const path = (el) => {
    const parts = [];
    const up = (n) => n.parentElement || (n.parentNode && n.parentNode.host);
    for (let n = el; n && n.nodeType === 1 && parts.length < 8; n = up(n)) {
      if (n.id) { parts.unshift(n.tagName.toLowerCase() + "#" + CSS.escape(n.id)); break; }
      const cls = Array.from(n.classList).slice(0, 2).map(CSS.escape).join(".");
      parts.unshift(n.tagName.toLowerCase() + (cls ? "." + cls : ""));
    }
    return parts.join(" > ");
  };
  window.addEventListener("click", (e) => {
    const t = e.composedPath()[0];
    if (!(t instanceof Element)) return;
    const text = (t.innerText || t.value || t.getAttribute("aria-label") || "").trim();
    window.__cookiescanClicks.push(
      {text: text.replace(/\\s+/g, " ").slice(0, 100), selector: path(t), trusted: e.isTrusted});
  }, true);
}
"""


async def operate_banner(
    page: Any,
    action: str,
    recorder: PageRecorder,
    *,
    engines: tuple[str, ...] = CONSENT_ENGINES,
    timeout: float = 6.0,
    settle: float = 1.0,
    screenshots: bool = True,
) -> ConsentAction:
    """Accept (``accept-all``) or reject (``reject-all``) everything on ``page``'s banner.

    Looks for a banner for up to ``timeout`` seconds, clicks, then waits ``settle`` seconds so
    the site can react. Never raises: a problem becomes ``outcome="failed"`` with a ``reason``.
    """
    details: dict[str, Any] = {"engines": list(engines)}
    try:
        outcome = await _operate(page, action, recorder, engines, timeout, screenshots, details)
    except Exception as exc:  # noqa: BLE001 - the visit must go on; the reason is evidence
        details["reason"] = f"{type(exc).__name__}: {first_line(exc, default='')}"
        outcome = {"outcome": "failed"}
    if outcome.get("outcome") == "done" and settle > 0:
        await asyncio.sleep(settle)
    if "clip" in details:
        clip = details.pop("clip")
        if screenshots and outcome.get("outcome") != "not-found":
            shot = await screenshot(page, clip)
            if shot:
                details["screenshot_after"] = shot
    await _read_frameworks(page, details, "after")
    return ConsentAction(
        action=action,  # type: ignore[arg-type]
        outcome=outcome.get("outcome", "failed"),
        method=outcome.get("method"),
        selector=outcome.get("selector"),
        text=outcome.get("text"),
        page=recorder.url,
        time=outcome.get("time"),
        details=details,
    )


async def _operate(
    page: Any,
    action: str,
    recorder: PageRecorder,
    engines: tuple[str, ...],
    timeout: float,
    screenshots: bool,
    details: dict[str, Any],
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    started = loop.time()
    await _read_frameworks(page, details, "before")

    async def before_click(banner: Banner | None) -> None:
        if banner is not None:
            details["banner"] = banner.describe()
        details["clip"] = await _clip(page, banner)
        if screenshots:
            shot = await screenshot(page, details["clip"])
            if shot:
                details["screenshot_before"] = shot

    banner: Banner | None = None
    if "autoconsent" in engines:
        if not available():
            details["autoconsent"] = {"error": "duckduckgo-autoconsent-py is not installed"}
        else:
            session = Session(page)
            try:
                if await session.start():
                    # Known platforms are recognised within a second; after that, a banner our
                    # heuristic sees is not going to be claimed by a rule.
                    deadline = started + min(timeout, 3.0)
                    while not session.popup.is_set() and not session.gave_up():
                        if loop.time() >= deadline:
                            break
                        if "heuristic" in engines and loop.time() - started >= 1.0:
                            banner = await find_banner(page)
                            if banner is not None and not session.popup.is_set():
                                break
                        await asyncio.sleep(0.2)
                    if session.popup.is_set():
                        done = await _autoconsent(
                            page, session, action, recorder, before_click, details
                        )
                        details["autoconsent"] = session.summary()
                        if done["outcome"] == "done" or "heuristic" not in engines:
                            return done
                        banner = None  # the rule failed: let the heuristic try the same banner
                details["autoconsent"] = session.summary()
            finally:
                await session.close()  # its DevTools sessions and channel

    if "heuristic" in engines:
        if banner is None:
            remaining = max(0.5, timeout - (loop.time() - started))
            banner = await find_banner(page, wait=remaining)
        if banner is None:
            details["reason"] = "no banner found"
            return {"outcome": "not-found"}
        details["found_by"] = "heuristic"
        clicked_at: list[tuple[float, str]] = []
        result = await operate(
            page,
            banner,
            action,
            before_click,
            clock=lambda: clicked_at.append((recorder.now_ms(), now_iso())),
        )
        details["clicks"] = result.get("clicks", [])
        details["layers"] = result.get("layers", [])
        details["banner_closed"] = result.get("banner_closed")
        if "reason" in result:
            details["reason"] = result["reason"]
        decisive = [c for c in details["clicks"] if c["kind"] in ("accept", "reject", "save")]
        last = decisive[-1] if decisive else {}
        if clicked_at:
            details["time_ms"] = clicked_at[-1][0]
        return {
            "outcome": result["outcome"],
            "method": "heuristic",
            "selector": last.get("selector"),
            "text": last.get("text"),
            "time": clicked_at[-1][1] if clicked_at else None,
        }
    details["reason"] = "no banner found"
    return {"outcome": "not-found"}


async def _read_frameworks(page: Any, details: dict[str, Any], when: str) -> None:
    """What the IAB APIs (TCF, GPP) say, as ``tcf_<when>`` and ``gpp_<when>``."""
    tcf, gpp = await asyncio.gather(read_tcf(page), read_gpp(page))
    if tcf is not None:
        details[f"tcf_{when}"] = tcf
    if gpp is not None:
        details[f"gpp_{when}"] = gpp


async def _autoconsent(
    page: Any,
    session: Session,
    action: str,
    recorder: PageRecorder,
    before_click: Any,
    details: dict[str, Any],
) -> dict[str, Any]:
    """Let autoconsent's rule operate the banner it found, recording what it clicked."""
    banner = await find_banner(page)
    if banner is not None and banner.frame is not session.popup_frame:
        banner = None
    await before_click(banner)
    world = session.popup_world
    assert world is not None
    # Recorded in autoconsent's isolated world: the page can neither see nor add to the list.
    await session.evaluate(world, CLICK_RECORDER)
    details["found_by"] = "autoconsent"
    details["cmp"] = session.cmp
    details["time_ms"] = recorder.now_ms()
    clicked_at = now_iso()
    result = await session.operate(action)
    details["autoconsent_result"] = result
    try:
        clicks = await session.evaluate(world, "() => window.__cookiescanClicks || []") or []
    except Exception:  # noqa: BLE001 - the page reloaded after the choice
        clicks = []
    details["clicks"] = clicks
    steps = rule_steps(session.cmp or "", action)
    if steps is not None:
        details["rule_steps"] = steps
    last = clicks[-1] if clicks else {}
    return {
        "outcome": "done" if result["result"] else "failed",
        "method": f"autoconsent:{session.cmp}",
        "selector": last.get("selector") or first_selector(steps),
        "text": last.get("text"),
        "time": clicked_at,
    }


async def _clip(page: Any, banner: Banner | None) -> dict[str, float]:
    """The area to photograph: the banner (or its iframe), else the viewport."""
    viewport = page.viewport_size or {"width": 1366, "height": 768}
    box: dict[str, float] | None = None
    if banner is not None:
        if banner.top:
            box = banner.container.get("box")
        else:
            try:
                box = await (await banner.frame.frame_element()).bounding_box()
            except Exception:  # noqa: BLE001
                box = None
    if not box or box.get("width", 0) < 2 or box.get("height", 0) < 2:
        box = {"x": 0, "y": 0, "width": viewport["width"], "height": viewport["height"]}
    x, y = max(0.0, box["x"] - 8), max(0.0, box["y"] - 8)
    width = min(box["width"] + 16, viewport["width"] - x)
    height = min(box["height"] + 16, viewport["height"] - y)
    return {"x": x, "y": y, "width": max(width, 1), "height": max(height, 1)}


async def screenshot(page: Any, clip: dict[str, float]) -> str | None:
    """A PNG data URI of ``clip`` (CSS pixels), scaled to at most 800 px wide."""
    scale = min(1.0, _SHOT_WIDTH / clip["width"])
    area = {**clip, "height": min(clip["height"], _SHOT_HEIGHT / scale), "scale": scale}
    try:
        session = await page.context.new_cdp_session(page)
        try:
            shot = await session.send("Page.captureScreenshot", {"format": "png", "clip": area})
        finally:
            await session.detach()
    except Exception:  # noqa: BLE001 - no screenshot is no reason to fail the phase
        return None
    data = shot.get("data", "")
    if len(data) > _SHOT_MAX_CHARS:
        return None
    return "data:image/png;base64," + data
