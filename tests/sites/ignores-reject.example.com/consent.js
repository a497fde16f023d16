// Gates Google Analytics correctly, but the Mailjet pixel fires after any choice, "reject"
// included: a tracker that ignores the refusal.
(function () {
  function choice() {
    var m = document.cookie.match(/(?:^|; )site_consent=([^;]*)/);
    return m ? m[1] : null;
  }
  function afterChoice(value) {
    if (value === "all") {
      var s = document.createElement("script");
      s.src = "https://app.mailjet.com/statics/js/widget.modal.js";
      document.head.appendChild(s);
    }
    new Image().src = "https://mjt.lu/oo/BAAAAD3mo.gif?c=" + value;  // ignores the choice
  }
  var banner = document.getElementById("cookie-notice");
  function decide(value) {
    document.cookie = "site_consent=" + value + "; max-age=15552000; path=/; SameSite=Lax";
    banner.hidden = true;
    afterChoice(value);
  }
  document.getElementById("accept").onclick = function () { decide("all"); };
  document.getElementById("reject").onclick = function () { decide("necessary"); };
  var current = choice();
  if (current === null) banner.hidden = false;
  else afterChoice(current);
})();
