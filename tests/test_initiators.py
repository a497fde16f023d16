"""DevTools initiators matched to request records, fed hand-built CDP events (no browser)."""

from __future__ import annotations

from scanner.collect.initiators import InitiatorTrace, apply_initiators, initiator_of

PAGE = "https://www.example.com/"
GTM = "https://www.googletagmanager.com/gtm.js?id=GTM-X"
FB = "https://connect.facebook.net/en_US/fbevents.js"


def event(request_id, url, initiator, redirect=False):
    data = {"requestId": request_id, "request": {"url": url}, "initiator": initiator}
    if redirect:
        data["redirectResponse"] = {"status": 302}
    return data


def record(url, kind="referrer", chain=()):
    return {
        "url": url,
        "initiator": PAGE,
        "initiator_type": kind,
        "redirect_chain": tuple(chain),
    }


def by_script(*frames_urls, parent=None):
    stack = {"callFrames": [{"url": u, "functionName": "f"} for u in frames_urls]}
    if parent is not None:
        stack["parent"] = parent
    return {"type": "script", "stack": stack}


def test_script_is_the_top_frame_with_a_url():
    assert initiator_of(by_script("", GTM, PAGE)) == (GTM, "script")


def test_async_parent_stack_walked_when_top_frames_have_no_url():
    nested = by_script(
        "", parent={"callFrames": [{"url": ""}], "parent": {"callFrames": [{"url": FB}]}}
    )
    assert initiator_of(nested) == (FB, "script")


def test_parser_initiator_is_the_document_and_unknown_is_none():
    assert initiator_of({"type": "parser", "url": PAGE, "lineNumber": 3}) == (PAGE, "parser")
    assert initiator_of({"type": "other"}) == (None, "other")
    assert initiator_of({}) == (None, "other")


def test_http_script_preferred_over_extension_frames():
    ext = "chrome-extension://abc/inject.js"
    assert initiator_of(by_script(ext, GTM)) == (GTM, "script")
    assert initiator_of(by_script(ext)) == (ext, "script")


def test_records_matched_by_url_in_order_and_fragment_ignored():
    trace = InitiatorTrace()
    trace.on_request_will_be_sent(event("1", PAGE, {"type": "other"}))
    trace.on_request_will_be_sent(event("2", GTM, {"type": "parser", "url": PAGE}))
    trace.on_request_will_be_sent(event("3", FB, by_script(GTM)))
    trace.on_request_will_be_sent(event("4", FB, by_script(PAGE)))
    records = [record(PAGE + "#top"), record(GTM, "script"), record(FB), record(FB)]
    apply_initiators(trace, records)
    got = [(r["initiator"], r["initiator_type"]) for r in records]
    assert got == [(PAGE, "other"), (PAGE, "script"), (GTM, "script"), (PAGE, "script")]


def test_redirect_hops_keep_the_first_initiator():
    trace = InitiatorTrace()
    trace.on_request_will_be_sent(event("7", "https://r.example.net/1", by_script(FB)))
    trace.on_request_will_be_sent(
        event("7", "https://px.example.net/p.gif", {"type": "other"}, redirect=True)
    )
    records = [
        record("https://r.example.net/1", "img"),
        record("https://px.example.net/p.gif", chain=["https://r.example.net/1"]),
    ]
    apply_initiators(trace, records)
    assert [(r["initiator"], r["initiator_type"]) for r in records] == [
        (FB, "img"),
        (FB, "script"),
    ]


def test_redirect_target_unseen_by_devtools_takes_the_chain_start():
    trace = InitiatorTrace()
    trace.on_request_will_be_sent(event("7", "https://r.example.net/1", by_script(FB)))
    records = [
        record("https://r.example.net/1"),
        record("https://px.example.net/p.gif", chain=["https://r.example.net/1"]),
    ]
    apply_initiators(trace, records)
    assert records[1]["initiator"] == FB and records[1]["initiator_type"] == "script"


def test_unseen_requests_and_service_workers_keep_their_values():
    trace = InitiatorTrace()
    trace.on_request_will_be_sent(event("1", FB, by_script(GTM)))
    records = [record("https://other.example.net/x"), record(FB, "service-worker")]
    apply_initiators(trace, records)
    assert records[0]["initiator"] == PAGE and records[0]["initiator_type"] == "referrer"
    assert records[1]["initiator"] == PAGE and records[1]["initiator_type"] == "service-worker"


def test_more_requests_than_events_reuse_the_last_initiator():
    # Chromium may serve a repeated URL from its memory cache without a new DevTools event.
    trace = InitiatorTrace()
    trace.on_request_will_be_sent(event("1", FB, by_script(GTM)))
    records = [record(FB), record(FB)]
    apply_initiators(trace, records)
    assert [r["initiator"] for r in records] == [GTM, GTM]
