// Un aviso de cookies dentro de un shadow root abierto (un componente web).
(function () {
  function choice() {
    var m = document.cookie.match(/(?:^|; )aviso_cookies=([^;]*)/);
    return m ? m[1] : null;
  }
  function trackers() {
    var s = document.createElement("script");
    s.src = "https://app.mailjet.com/statics/js/widget.modal.js";
    document.head.appendChild(s);
    new Image().src = "https://mjt.lu/oo/BAAAAD3mo.gif";
  }
  class ConsentBox extends HTMLElement {
    connectedCallback() {
      var root = this.attachShadow({mode: "open"});
      root.innerHTML =
        '<style>.box{position:fixed;bottom:0;left:0;right:0;padding:16px;background:#fff;' +
        'border-top:1px solid #999;z-index:10}</style>' +
        '<div class="box"><p>Utilizamos cookies propias y de terceros para analizar el uso ' +
        'del sitio y mostrarte publicidad.</p>' +
        '<button class="si">Aceptar todo</button> <button class="no">Rechazar todo</button>' +
        ' <button class="conf">Configurar</button></div>';
      var self = this;
      function decide(value) {
        document.cookie = "aviso_cookies=" + value + "; max-age=15552000; path=/; SameSite=Lax";
        self.remove();
        if (value === "si") trackers();
      }
      root.querySelector(".si").onclick = function () { decide("si"); };
      root.querySelector(".no").onclick = function () { decide("no"); };
    }
  }
  customElements.define("consent-box", ConsentBox);
  var current = choice();
  if (current === "si") trackers();
  else if (current === null) document.body.appendChild(document.createElement("consent-box"));
})();
