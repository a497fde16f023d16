// cookiescan: records, per script, the calls that fingerprint (loaded by fingerprint.py).
// Runs before the page's scripts in every frame. Everything it calls later was captured
// here first, and the report travels on the secret channel (see page_scripts.py).
(() => {
  "use strict";
  const g = globalThis;
  const CHANNEL = __CHANNEL__;
  const stringify = JSON.stringify;
  const Str = String;
  const Err = Error;
  const apply = Reflect.apply;
  const keys = Object.keys;
  const create = Object.create;
  const getOwn = Object.getOwnPropertyDescriptor;
  const define = Object.defineProperty;
  const isFinite_ = Number.isFinite;
  const Num = Number;
  const exec = RegExp.prototype.exec;
  const STACK_URL = /(https?:\/\/[^\s)]+?)(?::\d+){1,2}\)?\s*$/m;
  const WM = WeakMap, wmGet = WeakMap.prototype.get, wmSet = WeakMap.prototype.set;
  const later = typeof g.queueMicrotask === "function" ? g.queueMicrotask : null;
  const raw = g[__RAW__];
  const controller = g[__CONTROLLER__];
  const fallback = g[CHANNEL.name];
  if (typeof raw === "function") {
    try { controller.removeBinding(CHANNEL.name); } catch (e) {}
  }
  try { delete g[CHANNEL.name]; } catch (e) {}
  let seq = 0;
  const send = (api, script, payload) => {
    try {
      if (typeof raw === "function") {
        seq += 1;
        raw('{"name":' + stringify(CHANNEL.name) + ',"seq":' + (1e9 + seq) +
            ',"serializedArgs":[' + stringify(CHANNEL.token) + "," + stringify(Str(api)) +
            "," + stringify(Str(script)) + "," + stringify(Str(payload)) + "]}");
      } else if (typeof fallback === "function") {
        fallback(CHANNEL.token, Str(api), Str(script), Str(payload)).catch(() => {});
      }
    } catch (e) {}
  };
  // JSON of our own records only (null-prototype objects, arrays we filled, strings, numbers,
  // booleans), by concatenation: no toJSON or getter of the page runs.
  const ser = (v) => {
    if (typeof v === "string") return stringify(v);
    if (typeof v === "number") return isFinite_(v) ? Str(v) : "0";
    if (typeof v === "boolean") return v ? "true" : "false";
    if (v && v.isList === true) {
      let out = "[";
      for (let i = 0; i < v.n; i++) out += (i ? "," : "") + ser(v[i]);
      return out + "]";
    }
    if (v && typeof v === "object") {
      const ks = keys(v);
      let out = "{";
      for (let i = 0; i < ks.length; i++) out += (i ? "," : "") + stringify(ks[i]) + ":" + ser(v[ks[i]]);
      return out + "}";
    }
    return "null";
  };
  const list = () => { const l = create(null); l.isList = true; l.n = 0; return l; };
  const push = (l, v, cap) => { if (l.n < cap) { l[l.n] = v; l.n += 1; } };
  const has = (l, v) => { for (let i = 0; i < l.n; i++) if (l[i] === v) return true; return false; };
  const addUnique = (l, v, cap) => { if (!has(l, v)) { push(l, v, cap); return true; } return false; };

  // -- per script records -------------------------------------------------------------
  const records = create(null); // "api script" -> {api, script, calls, facts}
  const dirty = create(null);
  let flushing = false;
  const flush = () => {
    flushing = false;
    const ks = keys(dirty);
    for (let i = 0; i < ks.length; i++) {
      const r = records[ks[i]];
      delete dirty[ks[i]];
      const payload = create(null);
      payload.calls = r.calls;
      payload.facts = r.facts;
      send(r.api, r.script, ser(payload));
    }
  };
  const scriptOf = () => {
    try {
      const m = apply(exec, STACK_URL, [Str(new Err().stack || "")]);
      return m ? m[1] : "";
    } catch (e) { return ""; }
  };
  const record = (api, script) => {
    const k = api + " " + script;
    let r = records[k];
    if (!r) {
      r = create(null);
      r.api = api; r.script = script; r.calls = create(null); r.facts = create(null);
      records[k] = r;
    }
    return r;
  };
  const touched = (r) => {
    dirty[r.api + " " + r.script] = true;
    if (!flushing) {
      flushing = true;
      if (later) { try { apply(later, g, [flush]); } catch (e) { flush(); } } else { flush(); }
    }
  };
  const count = (r, name) => { r.calls[name] = (r.calls[name] || 0) + 1; };
  const wrap = (proto, name, before) => {
    if (!proto) return;
    const d = getOwn(proto, name);
    if (!d || typeof d.value !== "function") return;
    const original = d.value;
    define(proto, name, {
      configurable: true, enumerable: d.enumerable, writable: true,
      value: function () {
        try { before(this, arguments); } catch (e) {}
        return apply(original, this, arguments);
      },
    });
  };
  const getterOf = (proto, name) => {
    const d = proto && getOwn(proto, name);
    return d && d.get ? d.get : null;
  };

  // -- canvas (Englehardt & Narayanan's criteria need: size, text, colours, format) ---
  const C2D = g.CanvasRenderingContext2D && g.CanvasRenderingContext2D.prototype;
  const Canvas = g.HTMLCanvasElement && g.HTMLCanvasElement.prototype;
  if (C2D && Canvas) {
    const state = new WM();
    const canvasOf = getterOf(C2D, "canvas");
    const fillStyle = getterOf(C2D, "fillStyle");
    const strokeStyle = getterOf(C2D, "strokeStyle");
    const widthOf = getterOf(Canvas, "width");
    const heightOf = getterOf(Canvas, "height");
    const stateOf = (canvas) => {
      let s = apply(wmGet, state, [canvas]);
      if (!s) {
        s = create(null);
        s.chars = create(null); s.nchars = 0; s.colours = list(); s.avoided = false;
        apply(wmSet, state, [canvas, s]);
      }
      return s;
    };
    const text = (style) => (ctx, args) => {
      const s = stateOf(apply(canvasOf, ctx, []));
      const t = Str(args[0]);
      for (let i = 0; i < t.length && s.nchars < 1000; i++) {
        if (!s.chars[t[i]]) { s.chars[t[i]] = true; s.nchars += 1; }
      }
      addUnique(s.colours, Str(apply(style, ctx, [])), 20);
    };
    wrap(C2D, "fillText", text(fillStyle));
    wrap(C2D, "strokeText", text(strokeStyle));
    for (const name of ["save", "restore"]) {
      wrap(C2D, name, (ctx) => { stateOf(apply(canvasOf, ctx, [])).avoided = true; });
    }
    const ET = g.EventTarget && g.EventTarget.prototype;
    const CanvasClass = g.HTMLCanvasElement;
    wrap(ET, "addEventListener", (target) => {
      if (target instanceof CanvasClass) stateOf(target).avoided = true;
    });
    const readback = (method, canvas, width, height, format) => {
      const r = record("canvas", scriptOf());
      count(r, method);
      if (!r.facts.readbacks) r.facts.readbacks = list();
      const s = stateOf(canvas);
      const item = create(null);
      item.method = method;
      item.width = Num(width) || 0;
      item.height = Num(height) || 0;
      item.chars = s.nchars;
      item.colours = s.colours.n;
      item.format = Str(format || "image/png").toLowerCase();
      item.avoided = s.avoided;
      push(r.facts.readbacks, item, 10);
      touched(r);
    };
    wrap(Canvas, "toDataURL", (canvas, args) => readback(
      "HTMLCanvasElement.toDataURL", canvas, apply(widthOf, canvas, []),
      apply(heightOf, canvas, []), args[0]));
    wrap(Canvas, "toBlob", (canvas, args) => readback(
      "HTMLCanvasElement.toBlob", canvas, apply(widthOf, canvas, []),
      apply(heightOf, canvas, []), args[1]));
    wrap(C2D, "getImageData", (ctx, args) => readback(
      "CanvasRenderingContext2D.getImageData", apply(canvasOf, ctx, []), args[2], args[3], ""));
    // Font probing: many fonts set, many texts measured.
    const font = getOwn(C2D, "font");
    if (font && font.set) {
      define(C2D, "font", {
        configurable: true, enumerable: font.enumerable, get: font.get,
        set: function (v) {
          try {
            const r = record("canvas-font", scriptOf());
            count(r, "CanvasRenderingContext2D.font");
            if (!r.facts.fonts) { r.facts.fonts = 0; r.seen = create(null); }
            const key = Str(v);
            if (!r.seen[key] && r.facts.fonts < 10000) { r.seen[key] = true; r.facts.fonts += 1; }
            touched(r);
          } catch (e) {}
          return apply(font.set, this, [v]);
        },
      });
    }
    wrap(C2D, "measureText", () => {
      const r = record("canvas-font", scriptOf());
      count(r, "CanvasRenderingContext2D.measureText");
      r.facts.measures = (r.facts.measures || 0) + 1;
      touched(r);
    });
  }

  // -- WebGL: the real GPU vendor and renderer -----------------------------------------
  const UNMASKED = create(null);
  UNMASKED[0x9245] = "UNMASKED_VENDOR_WEBGL";
  UNMASKED[0x9246] = "UNMASKED_RENDERER_WEBGL";
  for (const cls of ["WebGLRenderingContext", "WebGL2RenderingContext"]) {
    const proto = g[cls] && g[cls].prototype;
    wrap(proto, "getParameter", (ctx, args) => {
      const name = UNMASKED[args[0]];
      if (!name) return;
      const r = record("webgl", scriptOf());
      count(r, cls + ".getParameter");
      if (!r.facts.unmasked) r.facts.unmasked = list();
      addUnique(r.facts.unmasked, name, 4);
      touched(r);
    });
    wrap(proto, "getExtension", (ctx, args) => {
      if (Str(args[0]) !== "WEBGL_debug_renderer_info") return;
      const r = record("webgl", scriptOf());
      count(r, cls + ".getExtension");
      touched(r);
    });
  }

  // -- Audio: an oscillator rendered off screen, or read through an analyser ----------
  const audio = (name, fact) => (_, __) => {
    const r = record("audio", scriptOf());
    count(r, name);
    r.facts[fact] = true;
    touched(r);
  };
  const BAC = g.BaseAudioContext && g.BaseAudioContext.prototype;
  wrap(BAC, "createOscillator", audio("BaseAudioContext.createOscillator", "oscillator"));
  wrap(BAC, "createDynamicsCompressor",
       audio("BaseAudioContext.createDynamicsCompressor", "compressor"));
  wrap(BAC, "createAnalyser", audio("BaseAudioContext.createAnalyser", "analyser"));
  const OAC = g.OfflineAudioContext && g.OfflineAudioContext.prototype;
  wrap(OAC, "startRendering", audio("OfflineAudioContext.startRendering", "rendered"));
  const AN = g.AnalyserNode && g.AnalyserNode.prototype;
  for (const m of ["getFloatFrequencyData", "getByteFrequencyData",
                   "getFloatTimeDomainData", "getByteTimeDomainData"]) {
    wrap(AN, m, audio("AnalyserNode." + m, "read"));
  }

  // -- navigator / screen sweeps -----------------------------------------------------
  const sweep = (proto, prefix, names) => {
    if (!proto) return;
    for (const name of names) {
      const d = getOwn(proto, name);
      if (!d || !d.get) continue;
      const get = d.get;
      define(proto, name, {
        configurable: true, enumerable: d.enumerable, set: d.set,
        get: function () {
          try {
            const r = record("navigator", scriptOf());
            if (!r.facts.properties) r.facts.properties = list();
            if (addUnique(r.facts.properties, prefix + name, 64)) {
              count(r, prefix + name);
              touched(r);
            }
          } catch (e) {}
          return apply(get, this, []);
        },
      });
    }
  };
  sweep(g.Navigator && g.Navigator.prototype, "navigator.", [
    "userAgent", "appVersion", "appName", "appCodeName", "platform", "product", "productSub",
    "vendor", "vendorSub", "language", "languages", "hardwareConcurrency", "deviceMemory",
    "maxTouchPoints", "plugins", "mimeTypes", "doNotTrack", "cookieEnabled", "webdriver",
    "pdfViewerEnabled", "connection", "userAgentData", "oscpu", "cpuClass",
  ]);
  sweep(g.Screen && g.Screen.prototype, "screen.", [
    "width", "height", "availWidth", "availHeight", "availLeft", "availTop", "colorDepth",
    "pixelDepth", "orientation",
  ]);
})();
