// A banner that changes nothing: the trackers are in the page's <head> and fire at once,
// whatever the visitor chooses. Its TCF API claims consent to every purpose before any
// choice (a "pre-ticked" consent string), and only after "Reject all" does it say no.
(function () {
  function choice() {
    var m = document.cookie.match(/(?:^|; )site_consent=([^;]*)/);
    return m ? m[1] : null;
  }
  var granted = choice() !== "necessary";
  var all = {1: true, 2: true, 3: true, 4: true, 7: true, 9: true, 10: true};
  window.__tcfapi = function (command, version, callback) {
    if (command !== "addEventListener" && command !== "getTCData") return;
    callback({
      cmpId: 4242, cmpVersion: 1, tcfPolicyVersion: 4, gdprApplies: true,
      eventStatus: choice() ? "useractioncomplete" : "tcloaded", cmpStatus: "loaded",
      listenerId: 1, publisherCC: "FR",
      tcString: granted ? "CPleakyAAAAAAA.YAAAAAAAAAA" : "CPleakyNONEAAA.YAAAAAAAAAA",
      purpose: {consents: granted ? all : {}, legitimateInterests: {}},
      vendor: {consents: granted ? {755: true, 793: true} : {}, legitimateInterests: {}}
    }, true);
  };
  var banner = document.getElementById("cookie-notice");
  function decide(value) {
    document.cookie = "site_consent=" + value + "; max-age=15552000; path=/; SameSite=Lax";
    granted = value === "all";
    banner.hidden = true;
  }
  document.getElementById("accept").onclick = function () { decide("all"); };
  document.getElementById("reject").onclick = function () { decide("necessary"); };
  if (choice() === null) banner.hidden = false;
})();
