"""Decode the consent part of an IAB TCF v2 TC string's core segment: the purposes and the
vendors it grants consent to. Pure; anything malformed or cut short is unreadable (``None``).

The core segment (TCF v2 "Consent String and Vendor List Format") is web-safe base64 without
padding, read as a string of bits, most significant first. Its fields, in bits from its start:
``Version`` 6 (= 2) ... ``PurposesConsent`` 24 at 152 (bit *i* = purpose *i* + 1) ...
``PublisherCC`` 12 at 201, then the vendor consent section at 213:

- ``MaxVendorId`` 16, the highest vendor id with consent;
- ``IsRangeEncoding`` 1;
- when 0, a bitfield of ``MaxVendorId`` bits (bit *i* = vendor *i* + 1);
- when 1, ``NumEntries`` 12, then per entry ``IsARange`` 1, ``StartOrOnlyVendorId`` 16 and,
  when a range, ``EndVendorId`` 16 (inclusive); every id within 1..``MaxVendorId``.

Vendors are counted, not listed: a range entry may span 65,535 ids.

Example::

    >>> core = decode_core("CQAAAAAQAAAAAPoABBENBJFgAP_gAEPgAAAAAAAAAAAA")
    >>> core.purpose_consents, core.vendor_consent_count
    ((1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 0)
    >>> decode_core("CQAAAAAQAAAAAPoABBENBJFgAP_g") is None   # cut before the vendors
    True
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

#: Where the fields sit in a TC string's core segment (TCF v2.x), in bits.
VERSION_BITS = 6
PURPOSES_AT, PURPOSES_BITS = 152, 24
VENDORS_AT = 213
MAX_ID_BITS, ID_BITS, ENTRIES_BITS = 16, 16, 12
#: The longest core segment read (a full bitfield of 65,535 vendors is about 11,000 chars).
MAX_CORE_CHARS = 16_384


@dataclass(frozen=True)
class TcCore:
    """What a TC string's core segment grants."""

    purpose_consents: tuple[int, ...]
    vendor_consent_count: int
    max_vendor_id: int
    range_encoded: bool


def decode_core(text: str) -> TcCore | None:
    """The consents of a TC string (its core segment, before any ``.``), or ``None`` when it
    is not a readable TCF v2 core segment."""
    if not isinstance(text, str):
        return None
    core = text.split(".")[0]
    bits = _bits(core)
    if bits is None or len(bits) < VENDORS_AT or int(bits[:VERSION_BITS], 2) != 2:
        return None
    vendors = vendor_consents(bits, VENDORS_AT)
    if vendors is None:
        return None
    field = bits[PURPOSES_AT : PURPOSES_AT + PURPOSES_BITS]
    count, max_id, ranged = vendors
    purposes = tuple(i + 1 for i, bit in enumerate(field) if bit == "1")
    return TcCore(purposes, count, max_id, ranged)


def _bits(core: str) -> str | None:
    if not core or len(core) > MAX_CORE_CHARS:
        return None
    try:
        raw = base64.b64decode(core + "=" * (-len(core) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None
    return "".join(f"{byte:08b}" for byte in raw)


def vendor_consents(bits: str, at: int) -> tuple[int, int, bool] | None:
    """(vendors with consent, ``MaxVendorId``, range-encoded) of the vendor section starting
    at bit ``at`` of ``bits``, or ``None`` when it is cut short or malformed."""
    head = at + MAX_ID_BITS + 1
    if len(bits) < head:
        return None
    max_id = int(bits[at : at + MAX_ID_BITS], 2)
    if bits[head - 1] == "0":
        field = bits[head : head + max_id]
        if len(field) < max_id:
            return None
        return field.count("1"), max_id, False
    ranges = _ranges(bits, head, max_id)
    if ranges is None:
        return None
    return _covered(ranges), max_id, True


def _ranges(bits: str, at: int, max_id: int) -> list[tuple[int, int]] | None:
    """The (first, last) vendor ids of each range entry, or ``None`` when malformed."""
    if len(bits) < at + ENTRIES_BITS:
        return None
    entries = int(bits[at : at + ENTRIES_BITS], 2)
    pos, out = at + ENTRIES_BITS, []
    for _ in range(entries):
        width = 1 + ID_BITS + (ID_BITS if bits[pos : pos + 1] == "1" else 0)
        if len(bits) < pos + width:
            return None
        start = int(bits[pos + 1 : pos + 1 + ID_BITS], 2)
        end = int(bits[pos + 1 + ID_BITS : pos + width], 2) if width > 1 + ID_BITS else start
        if not 1 <= start <= end <= max_id:
            return None
        out.append((start, end))
        pos += width
    return out


def _covered(ranges: list[tuple[int, int]]) -> int:
    """How many distinct ids the inclusive ranges cover (they may overlap)."""
    total, reached = 0, 0
    for start, end in sorted(ranges):
        start = max(start, reached + 1)
        if end >= start:
            total += end - start + 1
            reached = end
    return total
