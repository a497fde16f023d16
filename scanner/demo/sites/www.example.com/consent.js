// The demo shop's banner: it remembers the visitor's choice for six months, and that is all
// it does; the trackers on the page fire whatever the choice (what a scan should catch).
(function () {
  var banner = document.getElementById("cookie-banner");
  if (!banner) return;
  function decide(value) {
    document.cookie = "shop_consent=" + value + "; max-age=15552000; path=/; SameSite=Lax";
    banner.hidden = true;
  }
  document.getElementById("cookie-accept").onclick = function () { decide("all"); };
  document.getElementById("cookie-reject").onclick = function () { decide("necessary"); };
  if (document.cookie.indexOf("shop_consent=") < 0) banner.hidden = false;
})();
