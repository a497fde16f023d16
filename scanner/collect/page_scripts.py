"""The JavaScript that cookiescan puts into every page it scans.

``COOKIE_HOOK`` is an init script (it runs before the page's own scripts in every frame): it
reports each ``document.cookie`` / ``cookieStore`` write, each ``localStorage`` /
``sessionStorage.setItem`` and each service-worker registration, with the script that made it,
through Playwright bindings. ``STORAGE_JS`` reads a frame's storage keys after the page.
"""

BINDING = "__cookiescanCookie"
WORKER_BINDING = "__cookiescanWorker"
STORAGE_BINDING = "__cookiescanStorage"

# Reports every cookie write with the URL of the script that made it (first http(s) frame of
# the stack that is not this hook).
COOKIE_HOOK = """
(() => {
  const send = (text) => {
    try {
      const stack = (new Error().stack || "").split("\\n").slice(2).join("\\n");
      const fn = window["%s"];
      if (typeof fn === "function") fn(String(text), stack, location.href);
    } catch (e) {}
  };
  const desc = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  if (desc && desc.set) {
    Object.defineProperty(Document.prototype, "cookie", {
      configurable: true, enumerable: desc.enumerable,
      get() { return desc.get.call(this); },
      set(v) { send(v); return desc.set.call(this, v); },
    });
  }
  if (window.Storage) {
    // Remember which script wrote which storage key, and when.
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key) {
      try {
        const fn = window["%s"];
        const kind = this === window.localStorage ? "local" : "session";
        const stack = (new Error().stack || "").split("\\n").slice(2).join("\\n");
        if (typeof fn === "function") fn(location.origin, kind, String(key), stack);
      } catch (e) {}
      return setItem.apply(this, arguments);
    };
  }
  if (window.ServiceWorkerContainer) {
    // Remember which page registered a service worker: its requests are credited there.
    const register = ServiceWorkerContainer.prototype.register;
    ServiceWorkerContainer.prototype.register = function (url) {
      try {
        const fn = window["%s"];
        if (typeof fn === "function") fn(String(new URL(url, location.href)));
      } catch (e) {}
      return register.apply(this, arguments);
    };
  }
  if (window.cookieStore && window.CookieStore) {
    const set = CookieStore.prototype.set;
    CookieStore.prototype.set = function (a, b) {
      try {
        if (typeof a === "string") { send(a + "=" + b); }
        else if (a) {
          let t = a.name + "=" + a.value;
          if (a.expires) t += "; expires=" + new Date(a.expires).toUTCString();
          if (a.domain) t += "; domain=" + a.domain;
          if (a.path) t += "; path=" + a.path;
          send(t);
        }
      } catch (e) {}
      return set.apply(this, arguments);
    };
  }
})();
""" % (BINDING, STORAGE_BINDING, WORKER_BINDING)

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
