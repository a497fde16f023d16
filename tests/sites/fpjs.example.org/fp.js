// A fingerprinting script (a stand-in written for cookiescan): canvas, fonts, WebGL, audio
// and a navigator/screen sweep, the techniques of FingerprintJS-like libraries.
(function () {
  var out = {};
  // Canvas: text in two colours with 10+ distinct characters, read back as PNG.
  var c = document.createElement("canvas");
  c.width = 240; c.height = 60;
  var x = c.getContext("2d");
  x.textBaseline = "top";
  x.font = "14px 'Arial'";
  x.fillStyle = "#f60";
  x.fillRect(125, 1, 62, 20);
  x.fillStyle = "#069";
  x.fillText("Cwm fjordbank glyphs vext quiz, \ud83d\ude03", 2, 15);
  x.fillStyle = "rgba(102, 204, 0, 0.7)";
  x.fillText("Cwm fjordbank glyphs vext quiz, \ud83d\ude03", 4, 17);
  out.canvas = c.toDataURL().length;
  // Fonts: 60 families measured on a canvas.
  var families = [];
  for (var i = 0; i < 60; i++) families.push("Font" + i);
  families.forEach(function (f) {
    x.font = "72px '" + f + "', monospace";
    x.measureText("mmmmmmmmmmlli");
  });
  // WebGL: the unmasked vendor and renderer.
  try {
    var gl = document.createElement("canvas").getContext("webgl");
    if (gl) {
      var ext = gl.getExtension("WEBGL_debug_renderer_info");
      if (ext) out.gpu = gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) +
        gl.getParameter(ext.UNMASKED_VENDOR_WEBGL);
    }
  } catch (e) {}
  // Navigator and screen sweep.
  var n = ["userAgent", "appVersion", "platform", "language", "languages", "hardwareConcurrency",
    "deviceMemory", "maxTouchPoints", "vendor", "plugins", "mimeTypes", "doNotTrack",
    "cookieEnabled", "webdriver", "productSub"];
  n.forEach(function (k) { out[k] = String(navigator[k]); });
  ["width", "height", "colorDepth", "availWidth"].forEach(function (k) { out[k] = screen[k]; });
  // Audio: an oscillator through a compressor, rendered off screen.
  try {
    var ac = new OfflineAudioContext(1, 5000, 44100);
    var o = ac.createOscillator();
    o.type = "triangle"; o.frequency.value = 10000;
    var comp = ac.createDynamicsCompressor();
    o.connect(comp); comp.connect(ac.destination); o.start(0);
    ac.startRendering().then(function (b) {
      out.audio = b.getChannelData(0)[4000];
      new Image().src = "https://fpjs.example.org/hit.gif";
    });
  } catch (e) {}
})();
