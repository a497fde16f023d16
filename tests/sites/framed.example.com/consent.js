// The page shows the consent platform's iframe until it answers with the visitor's choice.
(function () {
  function choice() {
    var m = document.cookie.match(/(?:^|; )cmp_choice=([^;]*)/);
    return m ? m[1] : null;
  }
  function trackers() {
    var s = document.createElement("script");
    s.src = "https://app.mailjet.com/statics/js/widget.modal.js";
    document.head.appendChild(s);
    new Image().src = "https://mjt.lu/oo/BAAAAD3mo.gif";
  }
  addEventListener("message", function (event) {
    if (event.origin !== "https://cmp.example.net" || !event.data || !event.data.cmpChoice) return;
    var value = event.data.cmpChoice;
    document.cookie = "cmp_choice=" + value + "; max-age=15552000; path=/; SameSite=Lax";
    var frame = document.getElementById("cmp-frame");
    if (frame) frame.remove();
    if (value === "all") trackers();
  });
  var current = choice();
  if (current === "all") trackers();
  else if (current === null) {
    var frame = document.createElement("iframe");
    frame.id = "cmp-frame";
    frame.title = "Cookie";
    frame.src = "https://cmp.example.net/banner.html";
    frame.style.cssText = "position:fixed;bottom:0;left:0;width:100%;height:120px;border:0;" +
      "z-index:100;box-shadow:0 0 8px #0005";
    document.body.appendChild(frame);
  }
})();
