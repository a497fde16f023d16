"""Our own banner heuristic: find a cookie notice in any frame or open shadow root, and click
its accept or reject button by wording (``consent_words``), opening the settings layer when
the first layer has no reject button.

A banner is a visible overlay (fixed or sticky position, a dialog, an element named like a
cookie notice, or a whole iframe) with clickable elements, whose text reads like a cookie or
consent notice in one of the languages of ``consent_words``. ``dom.js`` collects the
candidates in each frame; the labels are classified here.

Example::

    banner = await find_banner(page, wait=5.0)
    if banner:
        banner.first_layer()    # {'accept': ['Accept all'], 'reject': [], 'settings': [...]}
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.consent.words import BANNER_WORDS, classify

DOM_JS = (Path(__file__).with_name("dom.js")).read_text(encoding="utf-8")

#: Button kinds that make a container a banner worth operating.
_ACTIONABLE = ("accept", "reject", "settings", "save")


@dataclass
class Banner:
    """One banner candidate: its frame, container and classified buttons."""

    frame: Any
    frame_url: str
    top: bool
    container: dict[str, Any]
    buttons: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def score(self) -> int:
        b = self.buttons
        return (
            3 * bool(b.get("accept"))
            + 3 * bool(b.get("reject"))
            + bool(b.get("settings"))
            + bool(b.get("save"))
            + bool(self.container.get("overlay"))
        )

    def first_layer(self) -> dict[str, list[str]]:
        """Labels of the buttons by kind, e.g. ``{'accept': ['Tout accepter'], ...}``."""
        return {kind: [b["label"] for b in buttons] for kind, buttons in self.buttons.items()}

    def describe(self) -> dict[str, Any]:
        """JSON-ready evidence: where the banner is and what it offers."""
        return {
            "frame": self.frame_url,
            "in_iframe": not self.top,
            "selector": self.container.get("path"),
            "shadow_dom": ">>>" in str(self.container.get("path", ""))
            or any(">>>" in str(b.get("path")) for bs in self.buttons.values() for b in bs),
            "text": self.container.get("text", "")[:300],
            "buttons": self.first_layer(),
            "toggles": len(self.container.get("toggles", [])),
        }

    def first(self, kind: str) -> dict[str, Any] | None:
        found = self.buttons.get(kind)
        return found[0] if found else None


async def scan_frames(page: Any) -> list[Banner]:
    """Every banner candidate in every frame of ``page``, best first."""
    banners: list[Banner] = []
    for frame in list(page.frames):
        try:
            data = await frame.evaluate(DOM_JS, {"words": BANNER_WORDS})
        except Exception:  # noqa: BLE001 - detached, cross-process or sandboxed frames
            continue
        if not data or not data.get("containers"):
            continue
        if not data.get("top"):
            try:
                element = await frame.frame_element()
                if await element.bounding_box() is None or not await element.is_visible():
                    continue
            except Exception:  # noqa: BLE001
                continue
        for container in data["containers"]:
            banner = Banner(frame, data.get("url", frame.url), bool(data.get("top")), container)
            for button in container.get("buttons", []):
                kind = classify(button["label"])
                if kind is not None:
                    banner.buttons.setdefault(kind, []).append(button)
            if any(banner.buttons.get(k) for k in _ACTIONABLE):
                banners.append(banner)
    banners.sort(key=lambda b: (b.score, b.top), reverse=True)
    return banners


async def find_banner(page: Any, wait: float = 0.0, interval: float = 0.3) -> Banner | None:
    """The best banner on ``page``, polling for up to ``wait`` seconds until one shows."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        banners = await scan_frames(page)
        if banners:
            return banners[0]
        if loop.time() >= deadline:
            return None
        await asyncio.sleep(interval)


async def click(frame: Any, element_id: str) -> str:
    """Click the marked element like a user; fall back to ``element.click()``. Returns how."""
    locator = frame.locator(f'[data-cookiescan-id="{element_id}"]').first
    try:
        await locator.click(timeout=2500)
        return "mouse"
    except Exception:  # noqa: BLE001 - covered by another element, moving, detached...
        await locator.evaluate("e => e.click()", timeout=2500)
        return "js"


async def is_shown(frame: Any, element_id: str) -> bool:
    """Whether the marked element is still visible (False when its frame is gone)."""
    try:
        return await frame.locator(f'[data-cookiescan-id="{element_id}"]').first.is_visible()
    except Exception:  # noqa: BLE001
        return False


BeforeClick = Callable[[Banner], Awaitable[None]]


async def operate(
    page: Any,
    banner: Banner,
    action: str,
    before_click: BeforeClick | None = None,
    clock: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """Accept or reject everything on ``banner``; return the evidence of what was done.

    Returns a dict with ``outcome`` (``done`` or ``failed``), ``clicks`` (each with kind,
    label, selector, how and layer), ``layers`` (the buttons each layer offered) and
    ``banner_closed``. ``clock`` is called right before each click (the caller keeps the
    time).
    """
    want = "accept" if action == "accept-all" else "reject"
    clicks: list[dict[str, Any]] = []
    layers = [banner.first_layer()]
    last: list[Any] = [banner.frame, ""]

    async def press(target: Banner, button: dict[str, Any], kind: str, layer: int) -> None:
        if clock is not None:
            clock()  # just before the click: what the click sets off comes after it
        how = await click(target.frame, button["id"])
        last[:] = [target.frame, button["id"]]
        clicks.append(
            {
                "kind": kind,
                "text": button["label"],
                "selector": button.get("path"),
                "how": how,
                "layer": layer,
                "frame": target.frame_url,
            }
        )

    if before_click is not None:
        await before_click(banner)
    final: Banner = banner
    button = banner.first(want)
    if button is not None:
        await press(banner, button, want, 1)
    else:
        settings = banner.first("settings")
        if settings is None:
            reason = f"no {want} or settings button"
            return {"outcome": "failed", "reason": reason, "layers": layers}
        await press(banner, settings, "settings", 1)
        await asyncio.sleep(0.6)
        second = await find_banner(page, wait=2.0)
        if second is None:
            return {"outcome": "failed", "reason": "settings layer not found", "clicks": clicks}
        final = second
        layers.append(second.first_layer())
        button = second.first(want)
        if button is not None:
            await press(second, button, want, 2)
        else:
            await _set_toggles(second, on=want == "accept", clicks=clicks)
            save = second.first("save")
            if save is None:
                return {"outcome": "failed", "reason": "no save button", "clicks": clicks}
            await press(second, save, "save", 2)
    await asyncio.sleep(0.5)
    closed = not await is_shown(final.frame, final.container["id"])
    stuck = not closed and await is_shown(last[0], last[1])
    result: dict[str, Any] = {
        "outcome": "failed" if stuck else "done",
        "clicks": clicks,
        "layers": layers,
        "banner_closed": closed,
    }
    if stuck:
        result["reason"] = "the banner and its button stayed on screen after the click"
    return result


async def _set_toggles(banner: Banner, on: bool, clicks: list[dict[str, Any]]) -> None:
    """Switch every enabled purpose toggle of the settings layer on (accept) or off (reject)."""
    for toggle in banner.container.get("toggles", []):
        if toggle.get("disabled") or bool(toggle.get("checked")) == on:
            continue
        locator = banner.frame.locator(f'[data-cookiescan-id="{toggle["id"]}"]').first
        try:
            if toggle.get("visible"):
                await locator.click(timeout=1500, force=True)
            else:
                await locator.evaluate("e => e.click()", timeout=1500)
            how = "mouse" if toggle.get("visible") else "js"
        except Exception:  # noqa: BLE001
            continue
        clicks.append(
            {"kind": "toggle-on" if on else "toggle-off", "text": toggle.get("label"), "how": how}
        )
