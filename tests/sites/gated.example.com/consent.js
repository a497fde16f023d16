// A hand-written banner that gates the trackers correctly: nothing before a choice, the
// Mailjet widget and pixel after "Accept all", nothing after "Reject all".
(function () {
  function choice() {
    var m = document.cookie.match(/(?:^|; )site_consent=([^;]*)/);
    return m ? m[1] : null;
  }
  function remember(value) {
    document.cookie = "site_consent=" + value + "; max-age=15552000; path=/; SameSite=Lax";
  }
  function trackers() {
    var s = document.createElement("script");
    s.src = "https://app.mailjet.com/statics/js/widget.modal.js";
    document.head.appendChild(s);
    new Image().src = "https://mjt.lu/oo/BAAAAD3mo.gif";
  }
  var banner = document.getElementById("cookie-notice");
  function decide(value) {
    remember(value);
    banner.hidden = true;
    if (value === "all") trackers();
  }
  document.getElementById("accept").onclick = function () { decide("all"); };
  document.getElementById("reject").onclick = function () { decide("necessary"); };
  var current = choice();
  if (current === "all") trackers();
  else if (current === null) setTimeout(function () { banner.hidden = false; }, 300);
})();
