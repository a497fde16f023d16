"""One parsed message -> its ESPs, open pixels, links, remote images and unsubscribe options.

How a remote image is read (nothing is fetched):

- an ESP open endpoint (``[email] opens`` of the signature database) is a pixel, per recipient;
- a 1x1 (or 0-sized) image, or a hidden one (``display:none``, zero-size style, an ancestor's
  ``display:none``...), is a pixel; per recipient when its URL carries an identifier;
- a CSS background or any other image whose URL identifies the recipient is a pixel;
- anything else is a remote image, not a tracker (a product photo from a CDN), named after
  the service whose host serves it when the database knows it. A tiny or hidden image named
  like a spacer (``spacer.gif``, ``blank.gif``) without identifier is a layout image.

How a link is read: an ESP click endpoint (``[email] clicks``) is tracked per recipient; a
link whose URL holds its destination on another site is a redirect; any link may carry
identifiers (``urls.identifiers``) and UTM tags. Destinations are read back when the URL
holds them (``urls.destination``).

Example::

    parts = analyse_message(parsed, EmailIndex(signatures.load()))
    [p.pattern for p in parts.pixels]   # ['email-open:mjt.lu/oo/']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from scanner.mail.esp import EmailIndex, RuleMatch
from scanner.mail.html import ImageRef, LinkRef, extract_html, text_links
from scanner.mail.model import EspMatch, Identifier, Link, Pixel, PixelReason, RemoteImage
from scanner.mail.model import Unsubscribe as UnsubscribeInfo
from scanner.mail.parse import ParsedMessage
from scanner.mail.urls import destination, identifiers, is_redirect, utm_of

Part = Literal["html", "text"]
Tracking = Literal["esp-click", "redirect", "none"]
Via = Literal["header", "open", "click", "host"]
_SPACER = re.compile(r"(spacer|blank|transparent|clear|shim|pixel_?trans)[^/]*\.(gif|png)$", re.I)
_UNSUB_TEXT = re.compile(
    r"unsubscri|opt[- ]?out|d[ée]sinscri|d[ée]sabonn|abmelden|austragen|abbestellen"
    r"|darse de baja|cancelar (la )?suscripci|disiscri|annulla (l'|la )?iscrizione"
    r"|afmelden|uitschrijven|wypisz",
    re.I,
)
_UNSUB_URL = re.compile(r"unsub|opt-?out|/rmftlp\.php|/tr/un/|/unsubscribe", re.I)


@dataclass
class MessageParts:
    """What ``analyse_message`` found in one message."""

    esps: list[EspMatch] = field(default_factory=list)
    pixels: list[Pixel] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    images: list[RemoteImage] = field(default_factory=list)
    unsubscribe: UnsubscribeInfo = field(default_factory=UnsubscribeInfo)
    active: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    services: set[str] = field(default_factory=set)  # every service matched, for its facts


def analyse_message(parsed: ParsedMessage, index: EmailIndex, max_urls: int = 5000) -> MessageParts:
    """Classify every remote image and link of ``parsed`` (see the module docstring)."""
    parts = MessageParts()
    for match, evidence in index.match_headers(parsed.headers):
        parts.esps.append(EspMatch(match.service_id, "header", match.pattern, evidence))
    images: list[ImageRef] = []
    links: list[tuple[LinkRef, Part]] = []
    for html in parsed.html:
        facts = extract_html(html, max_urls=max_urls)
        images += facts.images
        links += [(link, "html") for link in facts.links]
        for what, count in facts.active.items():
            parts.active[what] = parts.active.get(what, 0) + count
        parts.warnings += facts.warnings
    for text in parsed.text:
        links += [(link, "text") for link in text_links(text, max_urls=max_urls)]
    seen_images: set[str] = set()
    for image in images:
        if image.url not in seen_images:
            seen_images.add(image.url)
            _read_image(image, parsed.recipients, index, parts)
    seen_links: set[str] = set()
    for link, part in links:
        if link.url not in seen_links:
            seen_links.add(link.url)
            _read_link(link, part, parsed.recipients, index, parts)
    parts.unsubscribe = _unsubscribe(parsed, parts.links)
    _dedupe_esps(parts)
    return parts


def _read_image(
    image: ImageRef, recipients: list[str], index: EmailIndex, parts: MessageParts
) -> None:
    reasons: list[PixelReason] = []
    rule = index.match_open(image.url)
    ids = list(identifiers(image.url, recipients))
    if rule:
        reasons.append("esp-open-endpoint")
        ids = [_esp_token(index, rule), *(i for i in ids if i.kind != "opaque-token")]
        _esp(parts, rule, "open", image.url)
    tiny, hidden = image.tiny, image.hidden
    if tiny:
        reasons.append("tiny")
    if hidden:
        reasons.append("hidden")
    if ids and not rule:
        reasons.append("identifier")
    spacer = bool(_SPACER.search(urlsplit(image.url).path)) and not rule and not ids
    if reasons and image.element != "img":
        reasons.insert(0, "css-background")
    host_rule = None if rule else index.match_host(image.url, "image")
    service_id = rule.service_id if rule else (host_rule[0] if host_rule else None)
    if host_rule and host_rule[0] in index.esps:
        _esp(parts, RuleMatch(*host_rule), "host", image.url)
    if service_id:
        parts.services.add(service_id)
    if reasons and not spacer:
        parts.pixels.append(
            Pixel(
                url=image.url,
                element=image.element,
                reasons=tuple(dict.fromkeys(reasons)),
                per_recipient=bool(ids),
                service_id=service_id,
                pattern=rule.pattern if rule else (host_rule[1] if host_rule else None),
                identifiers=tuple(ids),
            )
        )
        return
    parts.images.append(
        RemoteImage(
            url=image.url,
            element=image.element,
            service_id=host_rule[0] if host_rule else None,
            pattern=host_rule[1] if host_rule else None,
            note="spacer" if spacer and (tiny or hidden) else "",
        )
    )


def _read_link(
    link: LinkRef, part: Part, recipients: list[str], index: EmailIndex, parts: MessageParts
) -> None:
    url = link.url
    rule = index.match_click(url)
    found = destination(url)
    dest, via = found if found else (None, None)
    skip = via.split(" ")[0] if via else None  # the destination is not an identifier
    ids = [i for i in identifiers(url, recipients) if i.where != skip]
    tracking: Tracking = "none"
    if rule:
        tracking = "esp-click"
        ids = [_esp_token(index, rule), *(i for i in ids if i.kind != "opaque-token")]
        _esp(parts, rule, "click", url)
    elif dest and is_redirect(url, dest):
        tracking = "redirect"
    else:
        dest, via = None, None  # a URL inside a URL that stays on the site: not a redirect
    if dest:
        ids += [
            Identifier(f"destination {i.where}", i.kind, i.detail)
            for i in identifiers(dest, recipients)
        ]
    host_rule = None if rule else index.match_host(url)
    if host_rule and host_rule[0] in index.esps and ids:
        # A per-recipient URL on an ESP's host (a web version, a preference page) shows who
        # sent the message; a plain link to the ESP's website does not.
        _esp(parts, RuleMatch(*host_rule), "host", url)
    service = rule or (RuleMatch(*host_rule) if host_rule else None)
    if service:
        parts.services.add(service.service_id)
    utm = utm_of(dest) if dest else {}
    utm = {**utm, **utm_of(url)}
    unsubscribe = bool(_UNSUB_TEXT.search(link.text) or _UNSUB_URL.search(urlsplit(url).path))
    parts.links.append(
        Link(
            url=url,
            part=part,
            tracking=tracking,
            per_recipient=bool(ids),
            text=link.text,
            unsubscribe=unsubscribe,
            service_id=service.service_id if service else None,
            pattern=service.pattern if service else None,
            destination=dest,
            destination_via=via,
            identifiers=tuple(ids),
            utm=utm,
        )
    )


def _esp_token(index: EmailIndex, rule: RuleMatch) -> Identifier:
    """An ESP's tracking endpoints carry a token per message and recipient, by design."""
    return Identifier("url", "esp-token", f"{index.name_of(rule.service_id)}'s tracking token")


def _unsubscribe(parsed: ParsedMessage, links: list[Link]) -> UnsubscribeInfo:
    header = parsed.header("List-Unsubscribe") or ""
    found = (u.strip() for u in re.findall(r"<([^<>]+)>", header))
    uris = tuple(u for u in found if re.match(r"^(mailto:|https?://)", u, re.I))[:10]
    post = (parsed.header("List-Unsubscribe-Post") or "").replace(" ", "").lower()
    one_click = post == "list-unsubscribe=one-click" and any(
        u.lower().startswith("https://") for u in uris
    )
    body = tuple(dict.fromkeys(link.url for link in links if link.unsubscribe))[:10]
    return UnsubscribeInfo(header=uris, one_click=one_click, links=body)


def _esp(parts: MessageParts, rule: RuleMatch, via: Via, evidence: str) -> None:
    parts.esps.append(EspMatch(rule.service_id, via, rule.pattern, evidence[:300]))
    parts.services.add(rule.service_id)


def _dedupe_esps(parts: MessageParts) -> None:
    """One piece of evidence per rule (the first), headers first, then opens, clicks, hosts."""
    order = {"header": 0, "open": 1, "click": 2, "host": 3}
    unique: dict[str, EspMatch] = {}
    for match in sorted(parts.esps, key=lambda m: order[m.via]):
        unique.setdefault(match.pattern, match)
    parts.esps = list(unique.values())
