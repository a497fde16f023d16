"""Bridge to DuckDuckGo's autoconsent (MPL-2.0): ~1000 rules for known consent platforms.

The PyPI package ``duckduckgo-autoconsent-py`` ships autoconsent's Playwright content script
and its full rule list (opt-in needs the full list, not the compact one). The content script
talks to a "background" through two functions: it calls ``window.autoconsentSendMessage(msg)``
and we answer with ``window.autoconsentReceiveMessage(msg)``. The exchange, in order::

    page -> us   {type: "init"}                       us -> page  {type: "initResp", config, rules}
    page -> us   {type: "cmpDetected", cmp}           (a rule recognised a platform)
    page -> us   {type: "popupFound", cmp}            (its banner is open)
    us -> page   {type: "optIn"} or {type: "optOut"}
    page -> us   {type: "optInResult"|"optOutResult", result}, then {type: "autoconsentDone"}
    page -> us   {type: "report", state: {lifecycle: ...}}   (progress, e.g. "nothingDetected")
    page -> us   {type: "eval", id, code}             us -> page  {type: "evalResp", id, result}

We run it with ``autoAction: null`` so it only detects, and we send the opt-in or opt-out
ourselves after the "before" screenshot. Cosmetic rules (which only hide a banner) and
autoconsent's own heuristic are off: hiding a banner is not a choice, and our heuristic
(``consent_heuristic``) handles unknown banners.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from scanner.errors import first_line

BINDING = "autoconsentSendMessage"

CONFIG: dict[str, Any] = {
    "enabled": True,
    "autoAction": None,
    "disabledCmps": [],
    "enablePrehide": False,
    "enableCosmeticRules": False,
    "enableGeneratedRules": True,
    "enableHeuristicDetection": False,
    "heuristicMode": "off",
    "detectRetries": 4,
    "isMainWorld": True,
    "logs": {k: False for k in ("lifecycle", "rulesteps", "detectionsteps", "evals", "errors")},
}

_INIT = """([config, rules]) => window.autoconsentReceiveMessage &&
    window.autoconsentReceiveMessage(
        {type: "initResp", config, rules: {autoconsent: JSON.parse(rules)}})"""
_SEND = "(m) => window.autoconsentReceiveMessage && window.autoconsentReceiveMessage(m)"


def available() -> bool:
    """Whether the autoconsent package is installed."""
    try:
        import duckduckgo_autoconsent  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def _assets() -> tuple[str, str, str]:
    """(bundle, rules JSON, version) of the installed autoconsent."""
    import duckduckgo_autoconsent as ac

    return ac.bundle(), ac.rules_json(), getattr(ac, "__version__", "?")


@lru_cache(maxsize=1)
def _rules_by_name() -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in json.loads(_assets()[1]) if isinstance(r, dict) and "name" in r}


def rule_steps(name: str, action: str) -> list[Any] | None:
    """The declarative steps autoconsent runs for ``name`` (``optIn``/``optOut``), if any."""
    rule = _rules_by_name().get(name)
    return rule.get("optIn" if action == "accept-all" else "optOut") if rule else None


def first_selector(steps: Any) -> str | None:
    """The first element a rule's steps click (for the evidence)."""
    if isinstance(steps, dict):
        for key in ("waitForThenClick", "click"):
            if isinstance(steps.get(key), str):
                return steps[key]
        steps = [steps.get("then"), steps.get("else")]
    if isinstance(steps, list):
        for step in steps:
            found = first_selector(step)
            if found:
                return found
    return None


@dataclass
class Session:
    """Autoconsent running in every frame of one page."""

    page: Any
    popup: asyncio.Event = field(default_factory=asyncio.Event)
    popup_frame: Any = None
    cmp: str | None = None
    detected: list[str] = field(default_factory=list)
    lifecycle: dict[Any, str] = field(default_factory=dict)  # frame -> last lifecycle
    result: asyncio.Future[dict[str, Any]] | None = None
    done: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    async def start(self) -> bool:
        """Expose the message binding and inject the content script into every frame."""
        bundle, _, _ = _assets()
        try:
            await self.page.expose_binding(BINDING, self._on_message)
        except Exception as exc:  # noqa: BLE001 - e.g. already exposed
            self.errors.append(f"binding: {exc}")
            return False
        for frame in list(self.page.frames):
            try:
                await frame.evaluate(bundle)
                self.lifecycle.setdefault(frame, "loading")
            except Exception:  # noqa: BLE001 - detached or sandboxed frames
                continue
        return bool(self.lifecycle)

    def _on_message(self, source: dict[str, Any], message: Any) -> None:
        if not isinstance(message, dict):
            return
        task = asyncio.ensure_future(self._handle(source.get("frame"), message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, frame: Any, msg: dict[str, Any]) -> None:
        kind = msg.get("type")
        try:
            if kind == "init":
                await frame.evaluate(_INIT, [CONFIG, _assets()[1]])
            elif kind == "eval":
                try:
                    value = await frame.evaluate(str(msg.get("code", "")))
                except Exception:  # noqa: BLE001
                    value = False
                await frame.evaluate(
                    _SEND, {"type": "evalResp", "id": msg.get("id"), "result": bool(value)}
                )
            elif kind == "cmpDetected":
                self.detected.append(str(msg.get("cmp")))
            elif kind == "popupFound" and not self.popup.is_set():
                self.cmp, self.popup_frame = str(msg.get("cmp")), frame
                self.popup.set()
            elif kind == "report":
                state = msg.get("state") or {}
                self.lifecycle[frame] = str(state.get("lifecycle"))
            elif kind in ("optInResult", "optOutResult"):
                if self.result is not None and not self.result.done():
                    self.result.set_result(msg)
            elif kind == "autoconsentDone":
                self.done = {k: msg.get(k) for k in ("cmp", "duration", "totalClicks")}
            elif kind == "autoconsentError":
                self.errors.append(json.dumps(msg.get("details"))[:300])
        except Exception as exc:  # noqa: BLE001 - frames come and go
            self.errors.append(f"{kind}: {first_line(exc, default='')}")

    def gave_up(self) -> bool:
        """True when autoconsent finished looking in every frame without finding a rule."""
        top = self.page.main_frame
        return self.lifecycle.get(top) == "nothingDetected" and all(
            state in ("nothingDetected", "loading") for state in self.lifecycle.values()
        )

    async def operate(self, action: str, timeout: float = 10.0) -> dict[str, Any]:
        """Send opt-in or opt-out to the frame with the banner and wait for the result."""
        self.result = asyncio.get_running_loop().create_future()
        message = {"type": "optIn" if action == "accept-all" else "optOut"}
        send = asyncio.ensure_future(self.popup_frame.evaluate(_SEND, message))
        try:
            outcome = await asyncio.wait_for(asyncio.shield(self.result), timeout)
        except asyncio.TimeoutError:
            outcome = {"result": False, "timeout": True}
        finally:
            if not send.done():
                send.cancel()
            await asyncio.gather(send, return_exceptions=True)
        await asyncio.sleep(0.1)  # let autoconsentDone arrive
        return {
            "cmp": self.cmp,
            "result": bool(outcome.get("result")),
            "timed_out": bool(outcome.get("timeout")),
            "clicks": self.done.get("totalClicks"),
            "duration_ms": self.done.get("duration"),
        }

    def summary(self) -> dict[str, Any]:
        return {
            "version": _assets()[2],
            "detected": sorted(set(self.detected)),
            "popup": self.cmp,
            "errors": self.errors[:5],
        }
