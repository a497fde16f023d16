"""Bridge to DuckDuckGo's autoconsent (MPL-2.0): ~1000 rules for known consent platforms.

``duckduckgo-autoconsent-py`` (PyPI) ships its Playwright content script and full rule list
(opt-in needs it). The content script talks to a "background": it calls
``autoconsentSendMessage(msg)``, we answer with ``autoconsentReceiveMessage(msg)``::

    page -> us   {type: "init"}                       us -> page  {type: "initResp", config, rules}
    page -> us   {type: "cmpDetected", cmp}           (a rule recognised a platform)
    page -> us   {type: "popupFound", cmp}            (its banner is open)
    us -> page   {type: "optIn"} or {type: "optOut"}
    page -> us   {type: "optInResult"|"optOutResult", result}, then {type: "autoconsentDone"}
    page -> us   {type: "report", state: {lifecycle: ...}}   (progress, e.g. "nothingDetected")
    page -> us   {type: "eval", id, code}             us -> page  {type: "evalResp", id, result}

The page must not be able to speak on that channel (a forged ``popupFound`` then
``optInResult`` would make a banner never clicked look operated). So the content script runs
where extensions run theirs, in an isolated world of each frame (also of a frame that appears
later, until the choice is sent): it shares the page's DOM, so its rules see and click the
banner, but not the page's JavaScript, nor the built-ins the page replaced. The channel is a
DevTools binding under a random name, only in worlds of that name (``Runtime.addBinding`` with
``executionContextName``); autoconsent's clicks are recorded there too. Rules that read the
page's JavaScript (``eval`` messages) run in the page's world and answer a boolean. ``Session``
drops, and counts (``forged``), a message from a world it did not make, of an unknown type, for
a platform with no rule, or a result nobody asked for.

With ``autoAction: null`` it only detects; we send opt-in or opt-out after the "before"
screenshot. Cosmetic rules (hiding is no choice) and its own heuristic (ours runs) are off.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from scanner.errors import first_line

#: What the content script calls, and what it answers to, in the bundle as shipped.
SEND_NAME = "window.autoconsentSendMessage"
RECEIVE_NAME = "window.autoconsentReceiveMessage"
#: Messages the content script sends (anything else is dropped).
MESSAGE_TYPES = frozenset(
    "init eval cmpDetected popupFound report optInResult optOutResult autoconsentDone "
    "autoconsentError selfTestResult".split()
)

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
    "isMainWorld": False,  # rules that read page JavaScript ask us
    "logs": {k: False for k in ("lifecycle", "rulesteps", "detectionsteps", "evals", "errors")},
}

#: The name of the isolated worlds the content script runs in.
WORLD = "cookiescan-autoconsent"


def _secret_name() -> str:
    return "_" + secrets.token_hex(16)


def content_script(bundle: str, binding: str) -> str:
    """The bundle, for an isolated world: it sends every message, as JSON, to the DevTools
    binding ``binding`` (taken into its closure). Raises ``ValueError`` when the bundle no
    longer has the names we replace (a new autoconsent release: the session reports an error
    and the heuristic runs)."""
    if bundle.count(SEND_NAME) != 1 or bundle.count(RECEIVE_NAME) < 2:
        raise ValueError("this autoconsent bundle does not use the expected message names")
    body = bundle.replace(SEND_NAME, "__cookiescanSend")
    return (
        "(() => {\n"
        f"  const __binding = globalThis[{json.dumps(binding)}];\n"
        "  const __cookiescanSend = (message) => __binding(JSON.stringify(message));\n"
        f"{body}\n"
        "})();"
    )


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


@lru_cache(maxsize=1)
def known_cmps() -> frozenset[str]:
    """Every platform autoconsent can name: its JSON rules and the platforms written in code
    (``this.name = "Onetrust"`` in the bundle)."""
    coded = re.findall(r'this\.name = "([^"\\]+)"', _assets()[0])
    return frozenset(_rules_by_name()) | frozenset(coded)


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
    found = (first_selector(step) for step in steps) if isinstance(steps, list) else ()
    return next((f for f in found if f), None)


@dataclass(eq=False)
class World:
    """The content script's isolated world in one frame."""

    cdp: Any  # the DevTools session of the frame's process
    frame_id: str
    context_id: int
    url: str
    frame: Any = None  # the Playwright frame, when known


@dataclass
class Session:
    """Autoconsent running in an isolated world of every frame of one page."""

    page: Any
    popup: asyncio.Event = field(default_factory=asyncio.Event)
    popup_world: World | None = None
    cmp: str | None = None
    detected: list[str] = field(default_factory=list)
    lifecycle: dict[World, str] = field(default_factory=dict)  # world -> last lifecycle
    result: asyncio.Future[dict[str, Any]] | None = None
    done: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    #: Messages dropped: from a world we did not make, an unknown type or platform, a result
    #: nobody asked for.
    forged: int = 0
    binding: str = field(default_factory=_secret_name)
    _sessions: list[Any] = field(default_factory=list)
    _main_worlds: dict[tuple[int, str], int] = field(default_factory=dict)  # page's own worlds
    _script: str = ""  # set once start() is done: then frames that appear get it too
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    @property
    def popup_frame(self) -> Any:
        """The Playwright frame of the banner autoconsent found (None when unknown)."""
        return self.popup_world.frame if self.popup_world else None

    async def start(self) -> bool:
        """Put the content script into an isolated world of every frame."""
        try:
            script = content_script(_assets()[0], self.binding)
            cdp = await self.page.context.new_cdp_session(self.page)
            await self._attach(cdp, script, self.page.main_frame)
            for frame in self.page.frames[1:]:
                try:  # only a frame of another process (another site) has a session of its own
                    cdp = await self.page.context.new_cdp_session(frame)
                except Exception:  # noqa: BLE001 - a frame of the page's own process
                    continue
                await self._attach(cdp, script, frame)
        except Exception as exc:  # noqa: BLE001 - the page went away, a new bundle
            self.errors.append(f"start: {first_line(exc, default=repr(exc))}")
        known = {f.url: f for f in reversed(self.page.frames[1:])}
        for world in self.lifecycle:
            if world.frame is None:
                world.frame = known.get(world.url)
        self._script = script if self.lifecycle else ""
        return bool(self.lifecycle)

    async def _attach(self, cdp: Any, script: str, top_frame: Any) -> None:
        """Run ``script`` in a new isolated world of every frame ``cdp`` can reach."""
        self._sessions.append(cdp)
        cdp.on("Runtime.executionContextCreated", lambda e: self._on_context(cdp, e))
        cdp.on("Runtime.bindingCalled", lambda e: self._on_binding(cdp, e))
        await cdp.send("Runtime.enable")
        await cdp.send("Runtime.addBinding", {"name": self.binding, "executionContextName": WORLD})
        tree = (await cdp.send("Page.getFrameTree"))["frameTree"]
        top = tree["frame"]["id"]
        pending = [tree]
        while pending:
            node = pending.pop(0)
            pending.extend(node.get("childFrames", []))
            info = node["frame"]
            frame = top_frame if info["id"] == top else None
            await self._inject(cdp, script, info["id"], info.get("url", ""), frame)

    async def _inject(self, cdp: Any, script: str, frame_id: str, url: str, frame: Any) -> None:
        """Run ``script`` in a new isolated world of one frame."""
        try:
            made = await cdp.send(
                "Page.createIsolatedWorld", {"frameId": frame_id, "worldName": WORLD}
            )
        except Exception:  # noqa: BLE001 - a frame of another process, or gone
            return
        world = World(cdp, frame_id, made["executionContextId"], url, frame)
        self.lifecycle[world] = "loading"  # its "init" arrives during the evaluation
        try:
            reply = await cdp.send(
                "Runtime.evaluate", {"expression": script, "contextId": world.context_id}
            )
        except Exception:  # noqa: BLE001 - the frame went away
            reply = {"exceptionDetails": True}
        if "exceptionDetails" in reply:
            del self.lifecycle[world]

    def _on_context(self, cdp: Any, event: dict[str, Any]) -> None:
        context = event.get("context") or {}
        aux = context.get("auxData") or {}
        if aux.get("isDefault") and aux.get("frameId"):
            self._main_worlds[(id(cdp), aux["frameId"])] = context["id"]
            # A document that appeared after start (a consent platform's iframe added late)
            # gets the content script too, until the choice is sent; not the top frame's.
            origin = str(context.get("origin", ""))
            if self._script and self.result is None and origin.startswith("http"):
                self._spawn(self._late(cdp, aux["frameId"], origin))

    async def _late(self, cdp: Any, frame_id: str, origin: str) -> None:
        top = self.page.main_frame
        if not any(w.frame is top and w.frame_id == frame_id for w in self.lifecycle):
            frames = [f for f in self.page.frames[1:] if f.url.startswith(origin + "/")]
            await self._inject(cdp, self._script, frame_id, origin, (frames or [None])[-1])

    def _spawn(self, job: Any) -> None:
        task = asyncio.ensure_future(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _world(self, cdp: Any, context_id: Any) -> World | None:
        for world in self.lifecycle:
            if world.cdp is cdp and world.context_id == context_id:
                return world
        return None

    def _on_binding(self, cdp: Any, event: dict[str, Any]) -> None:
        if event.get("name") != self.binding:
            return
        world = self._world(cdp, event.get("executionContextId"))
        try:
            message = json.loads(event.get("payload") or "")
        except ValueError:
            message = None
        if world is None or not self.genuine(world, message):
            self.forged += 1
            return
        assert isinstance(message, dict)
        self._spawn(self._handle(world, message))

    def genuine(self, world: World, message: Any) -> bool:
        """Whether a message can be the content script's: a known type, a platform
        autoconsent has a rule for, a result we asked for from the world we asked."""
        if not isinstance(message, dict) or message.get("type") not in MESSAGE_TYPES:
            return False
        kind = message["type"]
        if kind in ("cmpDetected", "popupFound") and str(message.get("cmp")) not in known_cmps():
            return False
        if kind in ("optInResult", "optOutResult", "autoconsentDone"):
            return self.result is not None and world is self.popup_world
        return True

    async def _send(self, world: World, message: dict[str, Any]) -> None:
        """Call the content script's ``autoconsentReceiveMessage(message)`` in ``world``."""
        await world.cdp.send(
            "Runtime.evaluate",
            {
                "expression": f"window.autoconsentReceiveMessage({json.dumps(message)})",
                "contextId": world.context_id,
            },
        )

    async def evaluate(self, world: World, function: str) -> Any:
        """Call ``function`` (JavaScript source) in ``world``; its JSON value."""
        reply = await world.cdp.send(
            "Runtime.evaluate",
            {
                "expression": f"({function})()",
                "contextId": world.context_id,
                "returnByValue": True,
                "awaitPromise": True,
            },
        )
        return None if "exceptionDetails" in reply else reply["result"].get("value")

    async def _eval_in_page(self, world: World, code: str) -> bool:
        """A rule's check of the page's own JavaScript, run in the page's world."""
        context = self._main_worlds.get((id(world.cdp), world.frame_id))
        if context is None:
            return False
        reply = await world.cdp.send(
            "Runtime.evaluate",
            {"expression": code, "contextId": context, "returnByValue": True,
             "awaitPromise": True, "timeout": 5000},
        )  # fmt: skip
        return "exceptionDetails" not in reply and bool(reply["result"].get("value"))

    async def _handle(self, world: World, msg: dict[str, Any]) -> None:
        kind = msg.get("type")
        try:
            if kind == "init":
                rules = {"autoconsent": json.loads(_assets()[1])}
                await self._send(world, {"type": "initResp", "config": CONFIG, "rules": rules})
            elif kind == "eval":
                value = await self._eval_in_page(world, str(msg.get("code", "")))
                await self._send(world, {"type": "evalResp", "id": msg.get("id"), "result": value})
            elif kind == "cmpDetected":
                self.detected.append(str(msg.get("cmp")))
            elif kind == "popupFound" and not self.popup.is_set():
                self.cmp, self.popup_world = str(msg.get("cmp")), world
                self.popup.set()
            elif kind == "report":
                state = msg.get("state") or {}
                self.lifecycle[world] = str(state.get("lifecycle"))
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
        top = [w for w in self.lifecycle if w.frame is self.page.main_frame]
        return (
            bool(top)
            and self.lifecycle[top[0]] == "nothingDetected"
            and all(state in ("nothingDetected", "loading") for state in self.lifecycle.values())
        )

    async def operate(self, action: str, timeout: float = 10.0) -> dict[str, Any]:
        """Send opt-in or opt-out to the frame with the banner and wait for the result."""
        assert self.popup_world is not None
        self.result = asyncio.get_running_loop().create_future()
        message = {"type": "optIn" if action == "accept-all" else "optOut"}
        send = asyncio.ensure_future(self._send(self.popup_world, message))
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

    async def close(self) -> None:
        """Detach the DevTools sessions (the content script's channel goes with them)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for cdp in self._sessions:
            try:
                await cdp.detach()
            except Exception:  # noqa: BLE001 - the page is gone
                pass
        self._sessions.clear()

    def summary(self) -> dict[str, Any]:
        return {
            "version": _assets()[2],
            "detected": sorted(set(self.detected)),
            "popup": self.cmp,
            "errors": self.errors[:5],
            "forged_messages": self.forged,
        }
