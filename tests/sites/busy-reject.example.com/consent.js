// Issue #11: "Reject all" runs a click handler that never returns, so the click (and every
// later call into the page) waits on a renderer that is never free again.
(function () {
  var banner = document.getElementById("cookie-notice");
  var chosen = document.cookie.match(/(?:^|; )site_consent=([^;]*)/);
  document.getElementById("accept").onclick = function () {
    document.cookie = "site_consent=all; max-age=15552000; path=/; SameSite=Lax";
    banner.hidden = true;
  };
  document.getElementById("reject").onclick = function () {
    while (true) {}
  };
  if (!chosen) banner.hidden = false;
})();
