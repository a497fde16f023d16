// Find consent-banner candidates in one frame: visible clickable elements inside a visible
// overlay (fixed/sticky position, dialog, or an element named like a cookie notice) whose text
// reads like a cookie notice. Walks open shadow roots. Marks every reported element with
// data-cookiescan-id so that Playwright can click it (its CSS engine pierces open shadow roots).
// Returns {containers: [...], frameText: bool}. The labels are classified in Python.
(args) => {
  const WORDS = new RegExp(args.words, "i");
  const NAMED = /cookie|consent|gdpr|rgpd|cmp|privacy|banner|notice|didomi|onetrust|tarteaucitron/i;
  const CLICKABLE = 'button, a, [role=button], [role=link], input[type=button], input[type=submit], [onclick], [tabindex="0"]';
  const TOGGLES = 'input[type=checkbox], [role=switch], [role=checkbox]';
  const isTop = window.top === window;
  let counter = Number(document.documentElement.getAttribute("data-cookiescan-n") || 0);

  const mark = (el) => {
    let id = el.getAttribute("data-cookiescan-id");
    if (!id) {
      id = "cs" + (counter++);
      el.setAttribute("data-cookiescan-id", id);
    }
    return id;
  };
  const parentOf = (el) => el.parentElement || (el.parentNode && el.parentNode.host) || null;
  const visible = (el) => {
    if (!el.getClientRects().length) return false;
    if (el.checkVisibility && !el.checkVisibility({opacityProperty: true, visibilityProperty: true})) return false;
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  };
  // Every element of the document and of the open shadow roots below it.
  const all = (root, selector, out) => {
    out = out || [];
    for (const el of root.querySelectorAll(selector)) out.push(el);
    for (const el of root.querySelectorAll("*")) if (el.shadowRoot) all(el.shadowRoot, selector, out);
    return out;
  };
  const deepText = (node, limit) => {
    let text = "";
    const walk = (n) => {
      if (text.length > limit) return;
      if (n.nodeType === 3) { text += n.textContent + " "; return; }
      if (n.nodeType !== 1 && n.nodeType !== 11) return;
      if (n.nodeType === 1 && /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE)$/.test(n.tagName)) return;
      if (n.shadowRoot) walk(n.shadowRoot);
      for (const c of n.childNodes) walk(c);
    };
    walk(node);
    return text.replace(/\s+/g, " ").trim().slice(0, limit);
  };
  const path = (el) => {
    const parts = [];
    let node = el;
    while (node && node.nodeType === 1 && parts.length < 12) {
      let part = node.tagName.toLowerCase();
      if (node.id && !/^\d/.test(node.id)) { parts.unshift(part + "#" + CSS.escape(node.id)); }
      else {
        const cls = Array.from(node.classList).filter(c => !/^cs\d/.test(c)).slice(0, 2);
        if (cls.length) part += "." + cls.map(CSS.escape).join(".");
        const parent = node.parentNode;
        if (parent && parent.children) {
          const same = Array.from(parent.children).filter(c => c.tagName === node.tagName);
          if (same.length > 1) part += ":nth-of-type(" + (same.indexOf(node) + 1) + ")";
        }
        parts.unshift(part);
      }
      if (node.id && !/^\d/.test(node.id)) break;
      if (!node.parentElement && node.parentNode && node.parentNode.host) {
        parts.unshift(">>>");  // crossing into a shadow root
        node = node.parentNode.host;
      } else {
        node = node.parentElement;
      }
    }
    return parts.join(" > ").replace(/ > >>> > /g, " >>> ");
  };
  const isOverlay = (el) => {
    const s = getComputedStyle(el);
    return s.position === "fixed" || s.position === "sticky" || el.tagName === "DIALOG" ||
      /^(dialog|alertdialog)$/.test(el.getAttribute("role") || "") ||
      el.getAttribute("aria-modal") === "true";
  };
  const containerOf = (el) => {
    let named = null;
    for (let node = parentOf(el); node && node !== document.documentElement; node = parentOf(node)) {
      if (node === document.body) break;
      if (isOverlay(node)) return node;
      if (!named && NAMED.test((node.id || "") + " " + (typeof node.className === "string" ? node.className : ""))) named = node;
    }
    // A banner inside an iframe: the frame itself is the overlay in its parent.
    return named || (!isTop ? document.body : null);
  };
  const labelOf = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || el.getAttribute("title") || "").trim();
    return text.replace(/\s+/g, " ").slice(0, 100);
  };

  const containers = new Map();
  for (const el of all(document, CLICKABLE)) {
    if (!visible(el)) continue;
    const label = labelOf(el);
    if (!label || label.length > 80) continue;
    const box = containerOf(el);
    if (!box || !visible(box)) continue;
    let entry = containers.get(box);
    if (!entry) {
      const text = deepText(box, 3000);
      if (!WORDS.test(text)) { containers.set(box, null); continue; }
      const r = box.getBoundingClientRect();
      entry = {
        id: mark(box), path: path(box), text: text.slice(0, 600), overlay: isOverlay(box),
        box: {x: r.x, y: r.y, width: r.width, height: r.height},
        buttons: [], toggles: [],
      };
      for (const t of all(box, TOGGLES)) {
        const checked = t.tagName === "INPUT" ? t.checked : t.getAttribute("aria-checked") === "true";
        const disabled = t.disabled || t.getAttribute("aria-disabled") === "true";
        const label = (t.getAttribute("aria-label") || (t.labels && t.labels[0] && t.labels[0].innerText) || t.name || "").trim().slice(0, 80);
        entry.toggles.push({id: mark(t), checked, disabled, label, visible: visible(t) || (t.labels && t.labels[0] && visible(t.labels[0]))});
      }
      containers.set(box, entry);
    }
    if (entry) entry.buttons.push({id: mark(el), label, path: path(el), tag: el.tagName.toLowerCase()});
  }
  document.documentElement.setAttribute("data-cookiescan-n", String(counter));
  return {
    url: location.href,
    top: isTop,
    containers: Array.from(containers.values()).filter(Boolean),
  };
}
