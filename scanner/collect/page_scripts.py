"""The JavaScript that cookiescan puts into every page it scans.

``cookie_hook(channel)`` is an init script (it runs before the page's own scripts in every
frame): it reports each ``document.cookie`` / ``cookieStore`` write, each ``localStorage`` /
``sessionStorage.setItem`` and each service-worker registration, with the stack of the script
that made it, through Playwright bindings. It also reports which script *read* which cookie
names through ``document.cookie`` (the names in the string returned, never the values) or
``cookieStore.get`` / ``getAll`` (the names of the items they resolve to): once per new
(script, name) pair of the frame, as pages read ``document.cookie`` in loops.
``STORAGE_JS`` reads a frame's storage keys after the page.

The page must not be able to speak on that channel: a site that could call it would forge
evidence (a ``_ga`` cookie "on google-analytics.com" with no request to Google). So each
browser context gets a ``Channel``: four binding names and a token, random
(``secrets.token_hex``) and never written into the page's global scope. The init script runs
in strict mode and, before any page script:

- keeps Playwright's raw DevTools binding (``__playwright__binding__``) in its closure and
  removes its own binding names from Playwright's binding controller and from ``window``, so
  neither enumerating ``window`` nor the controller finds them;
- sends every report itself, as the JSON payload Playwright's controller would, built with
  string concatenation and a ``JSON.stringify`` kept from before the page ran (on strings
  only: no ``toJSON`` hook of the page runs), so a page that wraps the globals sees nothing;
- passes the token first: ``ContextObserver`` drops any call without it.

(Playwright then cannot hand the handler's empty result back to a binding it no longer
knows; it logs that under ``DEBUG=pw:error`` only.)

When Playwright changes and the raw binding is not there, the script falls back to the
binding functions it captured (still under their random names, still with the token), which
a page could observe but not find. The observer checks what arrives anyway (the cookie's
domain against the frame that wrote it, the storage origin against that frame's origin).

Reads are the costly part: a page may read ``document.cookie`` thousands of times. Each read
takes a stack (to name the script) and is reported only when the (script, name) pair is new
for the frame, at most 500 pairs a frame; 10,000 reads from one script cost about 6 µs each
on top of the browser's own 3 µs (one report). A script's URL comes from a stack trace, which
the page itself could shape (``Error.prepareStackTrace``), for reads as for writes.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

#: Playwright's DevTools binding and binding controller (playwright-core, server/page.ts and
#: injected/bindingsController.ts), as of Playwright 1.5x–1.6x.
PLAYWRIGHT_BINDING = "__playwright__binding__"
PLAYWRIGHT_CONTROLLER = "__playwright__binding__controller__"


@dataclass(frozen=True)
class Channel:
    """The secret names and token of one context's page-to-scanner channel.

    Example::

        channel = Channel.new()
        await context.expose_binding(channel.cookie, on_cookie)   # ... storage, worker, read
        await context.add_init_script(cookie_hook(channel))
    """

    cookie: str
    storage: str
    worker: str
    token: str
    read: str

    @classmethod
    def new(cls) -> Channel:
        def name() -> str:
            return "_" + secrets.token_hex(16)

        return cls(
            cookie=name(), storage=name(), worker=name(), token=secrets.token_hex(32), read=name()
        )

    def accepts(self, token: object) -> bool:
        """True when ``token`` is this channel's (constant-time comparison)."""
        return isinstance(token, str) and secrets.compare_digest(token, self.token)


# Placeholders are filled by ``cookie_hook``. Nothing after the first statement block may call a
# method the page can replace (prototype methods, globals) on the way to ``raw``: the token
# travels only through closure variables, string concatenation and captured functions.
_HOOK = """
(() => {
  "use strict";
  const g = globalThis;
  const CHANNEL = __CHANNEL__;
  const stringify = JSON.stringify;
  const Str = String;
  const Err = Error;
  const Url = URL;
  const apply = Reflect.apply;  // a page can replace Function.prototype.call and .apply
  const raw = g[__RAW__];
  const controller = g[__CONTROLLER__];
  const fallback = {};
  let seq = 0;
  for (const kind of ["cookie", "storage", "worker", "read"]) {
    const name = CHANNEL[kind];
    fallback[kind] = g[name];
    if (typeof raw === "function") {
      try { controller.removeBinding(name); } catch (e) {}
    }
    try { delete g[name]; } catch (e) {}
  }
  const send = (kind, a, b, c) => {
    try {
      const name = CHANNEL[kind];
      if (typeof raw === "function") {
        seq += 1;
        raw('{"name":' + stringify(name) + ',"seq":' + seq + ',"serializedArgs":[' +
            stringify(CHANNEL.token) + "," + stringify(Str(a)) + "," + stringify(Str(b)) +
            "," + stringify(Str(c)) + "]}");
      } else if (typeof fallback[kind] === "function") {
        fallback[kind](CHANNEL.token, Str(a), Str(b), Str(c)).catch(() => {});
      }
    } catch (e) {}
  };
  const stack = () => {
    try { return Str(new Err().stack || ""); } catch (e) { return ""; }
  };
  const cookie = (text) => send("cookie", text, stack(), location.href);
  // Reads: (script, name) pairs already reported by this frame, in objects without a
  // prototype and through captured functions, so the page can neither see nor bend them.
  const exec = RegExp.prototype.exec, indexOf = String.prototype.indexOf;
  const slice = String.prototype.slice, trim = String.prototype.trim;
  const SCRIPT = /(https?:\\/\\/[^\\s)]+?)(?::\\d+){1,2}\\)?\\s*$/m;
  const reported = Object.create(null);
  let pairs = 0, lastValue = null, lastScript = null;
  const scriptOf = () => {
    const found = apply(exec, SCRIPT, [stack()]);
    return found ? found[1] : "";
  };
  // ``names`` plus ``name`` when the (script, name) pair is new for this frame.
  const add = (script, name, names) => {
    const key = script + " " + name;
    if (name === "" || reported[key] === true || pairs >= 500) return names;
    reported[key] = true; pairs += 1;
    return names === "" ? name : names + ";" + name;
  };
  const read = (value) => {
    if (typeof value !== "string" || value === "" || pairs >= 500) return;
    const script = scriptOf();
    if (value === lastValue && script === lastScript) return;  // the common loop: nothing new
    lastValue = value; lastScript = script;
    let names = "", start = 0;
    while (start < value.length && pairs < 500) {
      let end = apply(indexOf, value, [";", start]);
      if (end < 0) end = value.length;
      const part = apply(slice, value, [start, end]);
      const eq = apply(indexOf, part, ["="]);
      names = add(script, apply(trim, eq < 0 ? "" : apply(slice, part, [0, eq]), []), names);
      start = end + 1;
    }
    if (names !== "") send("read", script, names, location.href);
  };
  const desc = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  if (desc && desc.set) {
    const get = desc.get, set = desc.set;
    Object.defineProperty(Document.prototype, "cookie", {
      configurable: true, enumerable: desc.enumerable,
      get() {
        const value = apply(get, this, []);
        try { read(value); } catch (e) {}
        return value;
      },
      set(v) { cookie(v); return apply(set, this, [v]); },
    });
  }
  if (g.Storage) {
    // Remember which script wrote which storage key, and when.
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key) {
      try {
        const kind = this === g.localStorage ? "local" : "session";
        send("storage", kind, key, stack());
      } catch (e) {}
      return apply(setItem, this, arguments);
    };
  }
  if (g.ServiceWorkerContainer) {
    // Remember which page registered a service worker: its requests are credited there.
    const register = ServiceWorkerContainer.prototype.register;
    ServiceWorkerContainer.prototype.register = function (url) {
      try { send("worker", new Url(url, location.href).href, "", ""); } catch (e) {}
      return apply(register, this, arguments);
    };
  }
  if (g.cookieStore && g.CookieStore) {
    const set = CookieStore.prototype.set;
    CookieStore.prototype.set = function (a, b) {
      try {
        if (typeof a === "string") { cookie(a + "=" + b); }
        else if (a) {
          let t = a.name + "=" + a.value;
          if (a.expires) t += "; expires=" + new Date(a.expires).toUTCString();
          if (a.domain) t += "; domain=" + a.domain;
          if (a.path) t += "; path=" + a.path;
          cookie(t);
        }
      } catch (e) {}
      return apply(set, this, arguments);
    };
  }
  if (g.cookieStore && g.CookieStore) {
    // Reads: cookieStore.get resolves to one CookieListItem (or null), getAll to an array of
    // them, fresh objects of the browser's own. The script is named from the stack of the
    // call; the result is awaited (no page ``then``: an own ``constructor`` on the browser's
    // promise makes ``await`` take it as is) and read by index and own ``name`` only.
    const NativePromise = Promise, define = Object.defineProperty, isArray = Array.isArray;
    const nameOf = (item) => {
      const name = item !== null && typeof item === "object" ? item.name : undefined;
      return typeof name === "string" ? name : "";
    };
    const found = (script, result) => {
      if (pairs >= 500) return;
      let names = "";
      if (isArray(result)) {
        for (let i = 0; i < result.length && pairs < 500; i++) {
          names = add(script, nameOf(result[i]), names);
        }
      } else { names = add(script, nameOf(result), names); }
      if (names !== "") send("read", script, names, location.href);
    };
    const watch = (native) => async function () {
      let script = "";
      try { script = scriptOf(); } catch (e) {}
      const pending = apply(native, this, arguments);  // the browser's promise, never shown
      try { define(pending, "constructor", { value: NativePromise }); } catch (e) {}
      const result = await pending;
      try { found(script, result); } catch (e) {}
      return result;
    };
    for (const method of ["get", "getAll"]) {
      const native = CookieStore.prototype[method];
      if (typeof native === "function") {
        define(CookieStore.prototype, method, {
          configurable: true, enumerable: true, writable: true, value: watch(native),
        });
      }
    }
  }
})();
"""


def cookie_hook(channel: Channel) -> str:
    """The init script that reports cookie, storage and service-worker writes, and cookie
    reads, on ``channel``."""
    names = {
        "cookie": channel.cookie,
        "storage": channel.storage,
        "worker": channel.worker,
        "read": channel.read,
    }
    return (
        _HOOK.replace("__CHANNEL__", json.dumps({**names, "token": channel.token}))
        .replace("__RAW__", json.dumps(PLAYWRIGHT_BINDING))
        .replace("__CONTROLLER__", json.dumps(PLAYWRIGHT_CONTROLLER))
    )


STORAGE_JS = """
() => {
  const out = [];
  for (const kind of ["local", "session"]) {
    try {
      const s = kind === "local" ? window.localStorage : window.sessionStorage;
      for (let i = 0; i < s.length; i++) {
        const k = s.key(i);
        out.push([kind, k, (s.getItem(k) || "").length]);
      }
    } catch (e) {}
  }
  return [location.origin, out];
}
"""
