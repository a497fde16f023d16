// Service worker: on activation it reports to a third party (a request only the
// context-level listeners see).
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(fetch("https://sw-tracker.example.net/sw-ping", {mode: "no-cors"}));
});
