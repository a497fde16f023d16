// Deutsches Banner: erste Ebene nur "Alle akzeptieren" und "Einstellungen"; ablehnen kann
// man nur in den Einstellungen (Schalter aus, "Auswahl speichern").
(function () {
  function choice() {
    var m = document.cookie.match(/(?:^|; )zustimmung=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : null;
  }
  function apply(value) {
    if (value.indexOf("statistik") >= 0) {
      var s = document.createElement("script");
      s.src = "https://app.mailjet.com/statics/js/widget.modal.js";
      document.head.appendChild(s);
    }
    if (value.indexOf("marketing") >= 0) new Image().src = "https://mjt.lu/oo/BAAAAD3mo.gif";
  }
  var layer1 = document.getElementById("cmp-layer1"), layer2 = document.getElementById("cmp-layer2");
  function save(value) {
    document.cookie = "zustimmung=" + encodeURIComponent(value) +
      "; max-age=15552000; path=/; SameSite=Lax";
    layer1.hidden = true;
    layer2.hidden = true;
    apply(value);
  }
  document.querySelectorAll(".alle").forEach(function (b) {
    b.onclick = function () { save("notwendig,statistik,marketing"); };
  });
  document.getElementById("einstellungen").onclick = function () {
    layer1.hidden = true;
    layer2.hidden = false;
  };
  document.getElementById("speichern").onclick = function () {
    var chosen = ["notwendig"];
    layer2.querySelectorAll("input[type=checkbox]:checked:not(:disabled)").forEach(function (c) {
      chosen.push(c.value);
    });
    save(chosen.join(","));
  };
  var current = choice();
  if (current === null) layer1.hidden = false;
  else apply(current);
})();
