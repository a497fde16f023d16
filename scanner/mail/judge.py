"""What the sender can learn (events) and what the law says of it (findings), per message;
and the summary per sender.

Events follow the Segment Mailjet source (what an ESP reports to its customer): Delivered,
Bounced and Marked as Spam whenever a known ESP sends the message; Opened when it has an open
pixel; Link Clicked when a link is tracked or carries an identifier; Unsubscribed when it
offers a way to unsubscribe.

The legal reading: loading a pixel reads from the recipient's device, so ePrivacy Art. 5(3)
applies. Open tracking and click tracking per recipient need consent unless the recipient
agreed to engagement tracking; the CNIL's recommendation on tracking pixels in emails
(12 March 2026, deliberation 2026-042) exempts only narrow uses such as aggregate, anonymised
open rates for deliverability. The facts of the ESP (``compliance``) come with each finding,
and its consent need is ``scanner.rules.need_of``, as for websites.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from email.utils import parseaddr
from typing import Any

from scanner.mail.analyse import MessageParts
from scanner.mail.model import (
    EVENT_NAMES,
    EmailFinding,
    Event,
    EventName,
    Link,
    MessageResult,
    Pixel,
    SenderSummary,
)
from scanner.rules import need_of

CNIL = "CNIL recommendation on tracking pixels in emails of 12 March 2026, deliberation 2026-042"
READS_DEVICE = (
    "Loading it reads from the recipient's device when the message is shown (ePrivacy "
    "Art. 5(3)), so it needs the recipient's consent unless they agreed to engagement tracking"
)
MAX_EVIDENCE = 10

Facts = Callable[[str], dict[str, Any]]


def events_of(parts: MessageParts, name_of: Callable[[str], str]) -> tuple[Event, ...]:
    """What the sender can collect about this recipient (see the module docstring)."""
    found: dict[EventName, str] = {}
    senders = sorted({name_of(m.service_id) for m in parts.esps})
    if senders:
        because = f"sent through {', '.join(senders)}, which reports it to the sender"
        for name in ("Delivered", "Bounced", "Marked as Spam"):
            found[name] = because  # type: ignore[index]
    if parts.pixels:
        found["Opened"] = (
            f"{_count(len(parts.pixels), 'open pixel')} ({_who(parts.pixels, name_of)})"
        )
    tracked = [link for link in parts.links if is_tracked(link)]
    if tracked:
        found["Link Clicked"] = f"{_count(len(tracked), 'tracked link')} ({_who(tracked, name_of)})"
    unsub = parts.unsubscribe
    if unsub.header or unsub.links:
        how = ["List-Unsubscribe header"] if unsub.header else []
        how += [_count(len(unsub.links), "unsubscribe link")] if unsub.links else []
        found["Unsubscribed"] = " and ".join(how)
    return tuple(Event(name, found[name]) for name in EVENT_NAMES if name in found)


def findings_of(
    parts: MessageParts, facts: Facts, name_of: Callable[[str], str]
) -> tuple[EmailFinding, ...]:
    """The findings of one message, each with its legal reading and evidence."""
    out = [_pixel_finding(p, facts, name_of) for p in parts.pixels]
    out += _click_findings(parts.links, facts, name_of)
    esps = {m.service_id for m in parts.esps}
    unsub = parts.unsubscribe
    if esps and not unsub.header and not unsub.links:
        out.append(
            EmailFinding(
                "no_unsubscribe",
                "medium",
                "Sent through an email service provider, yet there is no List-Unsubscribe "
                "header and no unsubscribe link: marketing email must let the recipient "
                "object in every message (GDPR Art. 21(2), ePrivacy Art. 13(2)).",
            )
        )
    elif esps and unsub.header and not unsub.one_click:
        out.append(
            EmailFinding(
                "no_one_click_unsubscribe",
                "low",
                "List-Unsubscribe without one-click unsubscribe (RFC 8058: "
                "List-Unsubscribe-Post and an https URI), which large mailbox providers "
                "require of bulk senders.",
                evidence=tuple({"header": uri} for uri in unsub.header),
            )
        )
    if parts.active:
        listed = ", ".join(f"{n} x {what}" for what, n in sorted(parts.active.items()))
        out.append(
            EmailFinding(
                "active_content",
                "info",
                f"Active content in the HTML ({listed}): never run by cookiescan and blocked "
                "by mail clients, but a sign of hostile or careless content.",
                evidence=tuple({"kind": what, "count": n} for what, n in parts.active.items()),
            )
        )
    return tuple(out)


def _pixel_finding(pixel: Pixel, facts: Facts, name_of: Callable[[str], str]) -> EmailFinding:
    who = f"{name_of(pixel.service_id)}'s open pixel" if pixel.service_id else "An image"
    how = ", ".join(pixel.reasons)
    if pixel.per_recipient:
        message = (
            f"{who} tells the sender when, where and on which device this recipient opens "
            f"the message ({how}). {READS_DEVICE} ({CNIL})."
        )
        severity = "high"
    else:
        message = (
            f"{who} reports that the message was opened ({how}), with no visible identifier "
            f"of the recipient. {READS_DEVICE}; only aggregate, anonymised open rates for "
            f"deliverability may be exempt ({CNIL})."
        )
        severity = "medium"
    service = facts(pixel.service_id) if pixel.service_id else None
    message += _facts_sentence(service)
    evidence = {
        "kind": "pixel",
        "url": pixel.url,
        "reasons": list(pixel.reasons),
        "pattern": pixel.pattern,
        "identifiers": [i.detail or i.kind for i in pixel.identifiers],
    }
    return EmailFinding(
        "open_tracking_pixel",
        severity,  # type: ignore[arg-type]
        message,
        pixel.service_id,
        need_of(service) if service else None,
        (evidence, *_service_evidence(service)),
    )


def _click_findings(
    links: list[Link], facts: Facts, name_of: Callable[[str], str]
) -> list[EmailFinding]:
    """One finding per tracking service (or one for links without a known service)."""
    groups: dict[str | None, list[Link]] = defaultdict(list)
    for link in links:
        if is_tracked(link):
            groups[link.service_id].append(link)
    out = []
    for service_id, group in groups.items():
        per_recipient = [link for link in group if link.per_recipient]
        who = f"{name_of(service_id)}'s click tracking" if service_id else "Link tracking"
        if per_recipient:
            message = (
                f"{who}: {_count(len(per_recipient), 'link')} identify the recipient, so the "
                "sender learns who clicked which link and when. Tracking clicks per "
                "recipient needs consent unless the recipient agreed to engagement tracking "
                f"(GDPR Art. 6(1)(a); {CNIL})."
            )
        else:
            message = (
                f"{who}: {_count(len(group), 'link')} go through a redirect that counts the "
                "clicks; no identifier of the recipient is visible in them."
            )
        service = facts(service_id) if service_id else None
        message += _facts_sentence(service)
        evidence = [
            {
                "kind": "link",
                "url": link.url,
                "destination": link.destination,
                "tracking": link.tracking,
                "pattern": link.pattern,
                "identifiers": [i.detail or i.kind for i in link.identifiers],
            }
            for link in group[:MAX_EVIDENCE]
        ]
        out.append(
            EmailFinding(
                "click_tracking",
                "high" if per_recipient else "low",
                message,
                service_id,
                need_of(service) if service else None,
                (*evidence, *_service_evidence(service)),
            )
        )
    return out


def _facts_sentence(service: dict[str, Any] | None) -> str:
    """What the signature database says of the service's consent, in one sentence."""
    if not service:
        return ""
    need = need_of(service)
    words = {
        "required": "needs consent",
        "depends": "needs consent depending on its set-up",
        "exempt": "needs no consent",
    }[need]
    bases = (service.get("compliance") or {}).get("legal_bases") or []
    tracking = [b for b in bases if "track" in str(b.get("use", "")).lower()]
    basis = ""
    if tracking:
        basis = f"; legal basis for {tracking[0].get('use', '').lower()}: {tracking[0]['basis']}"
    return f" Per its facts, {service.get('name', service.get('id'))} {words}{basis}."


def _service_evidence(service: dict[str, Any] | None) -> tuple[dict[str, Any], ...]:
    if not service:
        return ()
    compliance = service.get("compliance") or {}
    facts = {
        "kind": "service",
        "service_id": service.get("id"),
        "consent_required": compliance.get("consent_required"),
        "legal_bases": [
            f"{b.get('use')}: {b.get('basis')}" for b in compliance.get("legal_bases", [])
        ],
    }
    return (facts,)


def is_tracked(link: Link) -> bool:
    """Tracked: through a redirect, or identifying the recipient (an unsubscribe link must)."""
    return link.tracking != "none" or (link.per_recipient and not link.unsubscribe)


def _who(items: Iterable[Pixel | Link], name_of: Callable[[str], str]) -> str:
    names = sorted({name_of(i.service_id) for i in items if i.service_id})
    return ", ".join(names) if names else "no known ESP"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def summarise(messages: Iterable[MessageResult]) -> tuple[SenderSummary, ...]:
    """One summary per From address, in order of first appearance."""
    groups: dict[str, list[MessageResult]] = {}
    for message in messages:
        address = parseaddr(message.sender or "")[1].lower() or "(unknown)"
        groups.setdefault(address, []).append(message)
    out = []
    for sender, group in groups.items():
        severities: Counter[str] = Counter(f.severity for m in group for f in m.findings)
        events = {e.name for m in group for e in m.events}
        out.append(
            SenderSummary(
                sender=sender,
                messages=len(group),
                esps=tuple(sorted({e.service_id for m in group for e in m.esps})),
                with_open_pixel=sum(1 for m in group if m.pixels),
                with_click_tracking=sum(1 for m in group if any(map(is_tracked, m.links))),
                tracked_links=sum(1 for m in group for link in m.links if is_tracked(link)),
                with_one_click_unsubscribe=sum(1 for m in group if m.unsubscribe.one_click),
                events=tuple(name for name in EVENT_NAMES if name in events),
                findings={
                    s: severities[s] for s in ("high", "medium", "low", "info") if severities[s]
                },
            )
        )
    return tuple(out)
