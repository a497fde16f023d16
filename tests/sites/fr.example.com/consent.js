// Bandeau maison en français : rien avant le choix, Mailjet après « Tout accepter ».
(function () {
  function choice() {
    var m = document.cookie.match(/(?:^|; )choix_cookies=([^;]*)/);
    return m ? m[1] : null;
  }
  function trackers() {
    var s = document.createElement("script");
    s.src = "https://app.mailjet.com/statics/js/widget.modal.js";
    document.head.appendChild(s);
    new Image().src = "https://mjt.lu/oo/BAAAAD3mo.gif";
  }
  var banner = document.querySelector(".bandeau-cookies");
  function decide(value) {
    document.cookie = "choix_cookies=" + value + "; max-age=15552000; path=/; SameSite=Lax";
    banner.style.display = "none";
    if (value === "oui") trackers();
  }
  banner.querySelector(".ok").onclick = function () { decide("oui"); };
  banner.querySelector(".non").onclick = function () { decide("non"); };
  banner.querySelector(".perso").onclick = function () {
    banner.querySelector(".details").hidden = false;
  };
  var current = choice();
  if (current === "oui") trackers();
  else if (current === null) banner.style.display = "block";
})();
