"""Read the IAB TCF v2 API (``window.__tcfapi``) when a page has one.

Returns what the consent platform says it stored: CMP id and version, the TC string, the
event status, and the purposes and vendors with consent (or legitimate interest).

Example::

    data = await read_tcf(page)   # None when the page has no __tcfapi
    data["purpose_consents"]      # e.g. [1, 2, 3, 4, 7, 9, 10]
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
