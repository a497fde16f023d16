"""Read the IAB consent APIs a page offers: TCF v2 (``window.__tcfapi``) and GPP
(``window.__gpp``, the Global Privacy Platform).

Each returns what the consent platform says it stored. TCF: CMP id and version, the TC
string, the event status, and the purposes and vendors with consent (or legitimate
interest). GPP: the API version, CMP id and status, whether its banner shows, the GPP string,
the applicable sections and the sections it parsed (version 1.1 answers ``ping`` with all of
it; version 1.0 needs ``getGPPData`` too, which is asked for then).

Example::

    data = await read_tcf(page)   # None when the page has no __tcfapi
    data["purpose_consents"]      # e.g. [1, 2, 3, 4, 7, 9, 10]
    gpp = await read_gpp(page)    # None when the page has no __gpp
    gpp["gpp_string"], gpp["applicable_sections"]     # 'DBABMA~CP…', [2]
"""

from __future__ import annotations

from typing import Any

from scanner.errors import first_line

TCF_JS = """
() => new Promise((resolve) => {
  if (typeof window.__tcfapi !== "function") { resolve(null); return; }
  const timer = setTimeout(() => resolve({error: "no answer from __tcfapi"}), 1500);
  const ids = (obj) => Object.keys(obj || {}).filter(k => obj[k] === true)
    .map(Number).sort((a, b) => a - b);
  const done = (data, ok) => {
    clearTimeout(timer);
    if (!ok || !data) { resolve({error: "__tcfapi answered without success"}); return; }
    try {
      if (data.listenerId !== undefined && data.listenerId !== null) {
        window.__tcfapi("removeEventListener", 2, () => {}, data.listenerId);
      }
    } catch (e) {}
    const vendors = ids(data.vendor && data.vendor.consents);
    resolve({
      cmp_id: data.cmpId ?? null,
      cmp_version: data.cmpVersion ?? null,
      tc_string: typeof data.tcString === "string" ? data.tcString.slice(0, 4000) : null,
      event_status: data.eventStatus ?? null,
      cmp_status: data.cmpStatus ?? null,
      gdpr_applies: data.gdprApplies ?? null,
      publisher_cc: data.publisherCC ?? null,
      purpose_consents: ids(data.purpose && data.purpose.consents),
      purpose_legitimate_interests: ids(data.purpose && data.purpose.legitimateInterests),
      vendor_consents: vendors.slice(0, 200),
      vendor_consent_count: vendors.length,
    });
  };
  try { window.__tcfapi("addEventListener", 2, done); }
  catch (e) { clearTimeout(timer); resolve({error: String(e).slice(0, 200)}); }
})
"""


async def read_tcf(page: Any) -> dict[str, Any] | None:
    """The TCF data of ``page``'s top frame, ``None`` without ``__tcfapi``."""
    try:
        result = await page.main_frame.evaluate(TCF_JS)
    except Exception as exc:  # noqa: BLE001 - page navigating away, closed...
        return {"error": first_line(exc, default="evaluate failed")[:200]}
    return result if isinstance(result, dict) else None


def positive(data: dict[str, Any] | None) -> bool:
    """Whether TCF data grants consent to any purpose or vendor."""
    if not data:
        return False
    return bool(data.get("purpose_consents") or data.get("vendor_consent_count"))


#: Characters of a GPP string, and of its parsed sections as JSON, kept.
GPP_LIMIT = 4000

GPP_JS = """
() => new Promise((resolve) => {
  if (typeof window.__gpp !== "function") { resolve(null); return; }
  const out = {};
  const timer = setTimeout(() => resolve(Object.keys(out).length ? out :
    {error: "no answer from __gpp"}), 1500);
  const done = () => { clearTimeout(timer); resolve(out); };
  const list = (v) => Array.isArray(v) ?
    v.slice(0, 50).map(x => typeof x === "number" ? x : String(x).slice(0, 40)) : null;
  const take = (d) => {
    if (!d || typeof d !== "object") return;
    const set = (key, value) => { if (value !== undefined && value !== null) out[key] = value; };
    set("gpp_version", d.gppVersion !== undefined ? String(d.gppVersion).slice(0, 20) : null);
    set("cmp_id", typeof d.cmpId === "number" ? d.cmpId : null);
    set("cmp_status", typeof d.cmpStatus === "string" ? d.cmpStatus.slice(0, 40) : null);
    set("cmp_display_status", typeof d.cmpDisplayStatus === "string" ?
      d.cmpDisplayStatus.slice(0, 40) : null);
    set("signal_status", typeof d.signalStatus === "string" ? d.signalStatus.slice(0, 40) : null);
    set("supported_apis", list(d.supportedAPIs || d.apiSupport));
    set("section_list", list(d.sectionList));
    set("applicable_sections", list(d.applicableSections));
    set("gpp_string", typeof d.gppString === "string" ? d.gppString.slice(0, %(limit)d) : null);
    if (d.parsedSections && typeof d.parsedSections === "object") {
      let text = "";
      try { text = JSON.stringify(d.parsedSections); } catch (e) {}
      if (text && text.length <= %(limit)d) out.parsed_sections = JSON.parse(text);
      else if (text) out.parsed_sections_truncated = Object.keys(d.parsedSections).slice(0, 50);
    }
  };
  let answered = false;
  const onPing = (data, ok) => {
    if (answered) return;
    answered = true;
    if (ok === false) { out.error = "__gpp answered ping without success"; done(); return; }
    take(data);
    if (out.gpp_string !== undefined || !String(out.gpp_version || "").startsWith("1.0")) {
      done(); return;
    }
    try {  // GPP 1.0: the string and sections come from getGPPData
      const sync = window.__gpp("getGPPData", (d, okay) => {
        if (okay !== false) take(d);
        done();
      });
      if (sync && typeof sync === "object") { take(sync); done(); }
    } catch (e) { done(); }
  };
  try {
    const sync = window.__gpp("ping", onPing);
    if (sync && typeof sync === "object") onPing(sync, true);
  } catch (e) { clearTimeout(timer); resolve({error: String(e).slice(0, 200)}); }
})
""" % {"limit": GPP_LIMIT}


async def read_gpp(page: Any) -> dict[str, Any] | None:
    """The GPP data of ``page``'s top frame, ``None`` without ``__gpp``."""
    try:
        result = await page.main_frame.evaluate(GPP_JS)
    except Exception as exc:  # noqa: BLE001 - page navigating away, closed...
        return {"error": first_line(exc, default="evaluate failed")[:200]}
    return result if isinstance(result, dict) else None
