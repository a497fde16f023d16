// The site's own script: reads its cookies in a loop, as many scripts do.
(function () {
  var t0 = performance.now();
  var hits = 0;
  for (var i = 0; i < 10000; i++) {
    if (document.cookie.indexOf("site_uid=") >= 0) hits++;
  }
  window.__readLoopMs = performance.now() - t0;
  window.__readHits = hits;
})();
// Once the page is parsed, it reads the consent cookies the page set after this script ran,
// through the Cookie Store API: by name, by {name}, and one that is not there.
document.addEventListener("DOMContentLoaded", async function () {
  await cookieStore.get("cs_pref");
  await cookieStore.get({name: "cs_opt"});
  await cookieStore.get("cs_missing");
});
