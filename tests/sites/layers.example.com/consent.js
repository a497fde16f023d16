// First layer: "Accept all" and "Manage preferences" only; "Reject all" is on the second
// layer. Marketing (Mailjet) loads only with consent to it.
(function () {
  function choice() {
    var m = document.cookie.match(/(?:^|; )prefs=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : null;
  }
  function apply(value) {
    if (value.indexOf("marketing") >= 0) {
      var s = document.createElement("script");
      s.src = "https://app.mailjet.com/statics/js/widget.modal.js";
      document.head.appendChild(s);
      new Image().src = "https://mjt.lu/oo/BAAAAD3mo.gif";
    }
  }
  var layer1 = document.getElementById("cmp-layer1"), layer2 = document.getElementById("cmp-layer2");
  function save(value) {
    document.cookie = "prefs=" + encodeURIComponent(value) + "; max-age=15552000; path=/";
    layer1.hidden = true;
    layer2.hidden = true;
    apply(value);
  }
  document.querySelectorAll(".all").forEach(function (b) {
    b.onclick = function () { save("necessary,statistics,marketing"); };
  });
  document.getElementById("manage").onclick = function () {
    layer1.hidden = true;
    layer2.hidden = false;
  };
  document.getElementById("none").onclick = function () { save("necessary"); };
  document.getElementById("save").onclick = function () {
    var chosen = ["necessary"];
    layer2.querySelectorAll("input:checked:not(:disabled)").forEach(function (c) {
      chosen.push(c.value);
    });
    save(chosen.join(","));
  };
  var current = choice();
  if (current === null) layer1.hidden = false;
  else apply(current);
})();
