// A banner with the element ids and classes of CookieConsent v3 (orestbida/cookieconsent),
// written for cookiescan, so that autoconsent's "cookieconsent3" rule recognises it. The
// choice is kept in the cc_cookie cookie, as the real library does.
(function () {
  function read() {
    var m = document.cookie.match(/(?:^|; )cc_cookie=([^;]*)/);
    if (!m) return null;
    try { return JSON.parse(decodeURIComponent(m[1])); } catch (e) { return null; }
  }
  function trackers() {
    var s = document.createElement("script");
    s.src = "https://app.mailjet.com/statics/js/widget.modal.js";
    document.head.appendChild(s);
    new Image().src = "https://mjt.lu/oo/BAAAAD3mo.gif";
  }
  function accept(categories) {
    var value = JSON.stringify({categories: categories, revision: 0, consentTimestamp: new Date()});
    document.cookie = "cc_cookie=" + encodeURIComponent(value) +
      "; max-age=15552000; path=/; SameSite=Lax";
    document.documentElement.classList.remove("show--consent");
    document.getElementById("cc-main").innerHTML = "";
    if (categories.indexOf("analytics") >= 0) trackers();
  }
  var state = read();
  if (state) {
    if (state.categories.indexOf("analytics") >= 0) trackers();
    return;
  }
  var main = document.getElementById("cc-main");
  main.innerHTML =
    '<div class="cm-wrapper"><div class="cm" role="dialog" aria-modal="true">' +
    '<h2 class="cm__title">We use cookies</h2>' +
    '<p class="cm__desc">We use cookies for audience measurement, with your consent.</p>' +
    '<button class="cm__btn" data-role="all">Accept all</button>' +
    '<button class="cm__btn" data-role="necessary">Reject all</button>' +
    '<button class="cm__btn cm__btn--secondary" data-role="show">Manage preferences</button>' +
    '</div></div>';
  document.documentElement.classList.add("show--consent");
  main.querySelector("[data-role=all]").onclick = function () {
    accept(["necessary", "analytics"]);
  };
  main.querySelector("[data-role=necessary]").onclick = function () { accept(["necessary"]); };
})();
