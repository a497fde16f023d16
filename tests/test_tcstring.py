"""Issue #12: the vendor consents of a TC string (``scanner.analyse.tcstring``), and through it
of a GPP string's TCF EU v2 section (``scanner.analyse.gpp``). Pure: the TC strings are built
here by a tiny encoder, in bitfield and range encodings, then cut and bent."""

from __future__ import annotations

import base64

import pytest

from scanner.analyse.gpp import gpp_consent
from scanner.analyse.tcstring import decode_core


def bits(value: int, width: int) -> str:
    return format(value, f"0{width}b")


def header(purposes: tuple[int, ...] = ()) -> str:
    """The 213 bits of a TCF v2 core segment before its vendor consent section."""
    head = bits(2, 6) + bits(1, 36) + bits(1, 36) + bits(300, 12) + bits(1, 12)
    head += bits(1, 6) + bits(0, 12) + bits(48, 12) + bits(4, 6) + "0" + "0" + bits(0, 12)
    head += "".join("1" if i + 1 in purposes else "0" for i in range(24))
    head += "0" * 24 + "0" + bits(0, 12)
    assert len(head) == 213
    return head


def bitfield(vendors: set[int], max_id: int | None = None) -> str:
    max_id = max(vendors, default=0) if max_id is None else max_id
    return (
        bits(max_id, 16) + "0" + "".join("1" if i in vendors else "0" for i in range(1, max_id + 1))
    )


def ranges(entries: list[tuple[int, int]], max_id: int, count: int | None = None) -> str:
    out = bits(max_id, 16) + "1" + bits(len(entries) if count is None else count, 12)
    for start, end in entries:
        out += "0" + bits(start, 16) if start == end else "1" + bits(start, 16) + bits(end, 16)
    return out


def tc(body: str, tail: str = "0" * 32) -> str:
    """Web-safe base64 of the bits, padded with zero bits to whole bytes, no '='."""
    data = body + tail
    data += "0" * (-len(data) % 8)
    raw = int(data, 2).to_bytes(len(data) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_bitfield_counts_the_vendors_with_their_bit_set():
    core = decode_core(tc(header((1, 3)) + bitfield({2, 5, 755})))
    assert core is not None and core.purpose_consents == (1, 3)
    assert (core.vendor_consent_count, core.max_vendor_id, core.range_encoded) == (3, 755, False)
    # MaxVendorId may sit above the last vendor set; the zero bits count for nothing.
    core = decode_core(tc(header() + bitfield({7}, max_id=40)))
    assert core and core.vendor_consent_count == 1 and core.max_vendor_id == 40


def test_ranges_count_single_ids_and_spans_once():
    body = header((2,)) + ranges([(3, 3), (10, 19), (700, 1000), (15, 25)], max_id=1000)
    core = decode_core(tc(body) + ".IBAgAAAAAAA")  # a further segment is ignored
    assert core is not None and core.range_encoded and core.purpose_consents == (2,)
    assert core.vendor_consent_count == 1 + 16 + 301  # 10-25 once though they overlap
    wide = decode_core(tc(header() + ranges([(1, 65535)], max_id=65535)))
    assert wide and wide.vendor_consent_count == 65535


def test_no_vendor_section_content_is_zero_vendors():
    core = decode_core(tc(header((1,)) + bitfield(set())))
    assert core and core.vendor_consent_count == 0 and core.max_vendor_id == 0
    core = decode_core(tc(header((1,)) + ranges([], max_id=0)))
    assert core and core.vendor_consent_count == 0 and core.range_encoded


@pytest.mark.parametrize(
    "text",
    [
        tc(header() + bitfield({2, 300}), tail="")[:-40],  # bitfield cut short
        tc(header(), tail="")[:30],  # cut before the vendor section
        tc(header() + ranges([(5, 9)], max_id=9, count=3), tail=""),  # fewer entries than said
        tc(header() + ranges([(9, 5)], max_id=9)),  # end before start
        tc(header() + ranges([(0, 4)], max_id=9)),  # vendor id 0
        tc(header() + ranges([(5, 12)], max_id=9)),  # past MaxVendorId
        "B" + tc(header() + bitfield({1}))[1:],  # version 1, not 2
        "not*base64",
        "CQ",  # far too short
        "",
        "A" * 20_000,  # longer than any core segment
    ],
)
def test_malformed_or_truncated_strings_are_unreadable(text):
    assert decode_core(text) is None


def test_gpp_counts_the_vendors_of_its_tcf_section():
    def gpp(section: str) -> dict:
        return {"cmp_id": 9, "gpp_string": f"DBABMA~{section}", "section_list": [2]}

    only_vendors = gpp(tc(header() + ranges([(1, 50)], max_id=50)))
    assert gpp_consent(only_vendors) == {
        "section": "tcfeuv2",
        "purpose_consents": [],
        "vendor_consent_count": 50,
        "read_from": "gpp_string",
    }
    both = gpp_consent(gpp(tc(header((1, 2)) + bitfield({4, 8}))))
    assert both and both["purpose_consents"] == [1, 2] and both["vendor_consent_count"] == 2
    assert gpp_consent(gpp(tc(header() + bitfield(set())))) is None  # grants nothing
    assert gpp_consent(gpp(tc(header((1,)) + bitfield({4, 8}), tail="")[:-1])) is None  # cut
