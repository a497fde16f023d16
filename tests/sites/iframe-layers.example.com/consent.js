// The consent platform's banner lives in a cross-origin iframe (prefs.example.org), injected
// a second after load; inside it, "Rejeitar tudo" is only on the second layer.
(function () {
  function choice() {
    var m = document.cookie.match(/(?:^|; )escolha=([^;]*)/);
    return m ? m[1] : null;
  }
  function trackers() {
    var s = document.createElement("script");
    s.src = "https://app.mailjet.com/statics/js/widget.modal.js";
    document.head.appendChild(s);
    new Image().src = "https://mjt.lu/oo/BAAAAD3mo.gif";
  }
  addEventListener("message", function (event) {
    if (event.origin !== "https://prefs.example.org" || !event.data || !event.data.escolha) return;
    var value = event.data.escolha;
    document.cookie = "escolha=" + value + "; max-age=15552000; path=/; SameSite=Lax";
    var frame = document.getElementById("cmp-frame");
    if (frame) frame.remove();
    if (value === "tudo") trackers();
  });
  var current = choice();
  if (current === "tudo") trackers();
  else if (current === null) {
    setTimeout(function () {
      var frame = document.createElement("iframe");
      frame.id = "cmp-frame";
      frame.title = "Cookies";
      frame.src = "https://prefs.example.org/banner.html";
      frame.style.cssText = "position:fixed;bottom:0;left:0;width:100%;height:180px;border:0;" +
        "z-index:100;box-shadow:0 0 8px #0005";
      document.body.appendChild(frame);
    }, 1000);
  }
})();
