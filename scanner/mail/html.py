"""HTML -> the remote images and links it would load or offer, with how each is shown.

Parsed by beautifulsoup4 with Python's own ``html.parser``: a tree is built, nothing in it is
run, nothing is fetched. Kept: ``<img>``/``<input type=image>`` sources with their size and
whether they are hidden (by their own style or an ancestor's), ``url()`` in style attributes
and ``<style>`` blocks, ``background=`` attributes, and ``<a>``/``<area>`` links with their
text. Active content (scripts, frames, forms, event handlers, ``javascript:`` links) is only
counted, for a finding. Plain-text parts give their links through ``text_links``.

Example::

    facts = extract_html('<img src="https://t.example/o.gif" width="1" height="1">')
    facts.images[0].tiny  # True
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urljoin

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag

_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""", re.I)
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(\.0+)?\s*(;|$|!)"
    r"|mso-hide\s*:\s*all|(max-)?(width|height)\s*:\s*0(px)?\s*(;|$|!)",
    re.I,
)
_STYLE_SIZE = re.compile(r"(?<![-\w])(width|height)\s*:\s*([0-9.]+)\s*(px)?\s*(;|$|!)", re.I)
_TEXT_URL = re.compile(r"""https?://[^\s<>"'\]\[{}|\\^`]+""", re.I)
_TRAILING = ".,;:!?)'\""
_ACTIVE_TAGS = ("script", "iframe", "frame", "object", "embed", "form", "applet")
_BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
Element = Literal["img", "css", "attribute"]


@dataclass(frozen=True)
class ImageRef:
    """A remote image the message would load."""

    url: str
    element: Element
    width: str | None = None
    height: str | None = None
    hidden: bool = False

    @property
    def tiny(self) -> bool:
        """1x1 (or 0) by its attributes or style: both sizes at most 1, or one and no other."""
        sizes = [_pixels(v) for v in (self.width, self.height)]
        known = [s for s in sizes if s is not None]
        return bool(known) and all(s <= 1 for s in known)


@dataclass(frozen=True)
class LinkRef:
    """A link of the message and its text."""

    url: str
    text: str = ""


@dataclass
class HtmlFacts:
    """What one HTML part would load and offer."""

    images: list[ImageRef] = field(default_factory=list)
    links: list[LinkRef] = field(default_factory=list)
    active: dict[str, int] = field(default_factory=dict)
    embedded: int = 0  # cid: and data: images, which load nothing
    warnings: list[str] = field(default_factory=list)


def extract_html(html: str, *, max_urls: int = 5000) -> HtmlFacts:
    """The images, links and active content of ``html`` (see the module docstring)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "html.parser")
    facts = HtmlFacts()
    base = _base_of(soup)
    for tag in soup.find_all(True):
        if len(facts.images) + len(facts.links) >= max_urls:
            facts.warnings.append(f"more than {max_urls} URLs in the HTML: the rest was not read")
            break
        _read_tag(tag, facts, base)
    for style in soup.find_all("style"):
        for url in _css_urls(style.get_text()):
            _add_image(facts, url, "css", base)
    return facts


def text_links(text: str, *, max_urls: int = 5000) -> list[LinkRef]:
    """The http(s) URLs of a plain-text part, without trailing punctuation."""
    found = []
    for match in _TEXT_URL.finditer(text):
        found.append(LinkRef(match.group(0).rstrip(_TRAILING)))
        if len(found) >= max_urls:
            break
    return found


def _read_tag(tag: Tag, facts: HtmlFacts, base: str | None) -> None:
    name = tag.name.lower()
    if name in _ACTIVE_TAGS:
        _count(facts, f"<{name}>")
    if any(str(attr).lower().startswith("on") for attr in tag.attrs):
        _count(facts, "event handler attribute (on...)")
    if name == "meta" and str(tag.get("http-equiv", "")).lower() == "refresh":
        _count(facts, "<meta http-equiv=refresh>")
    if name in ("img", "input") and (name == "img" or _attr(tag, "type").lower() == "image"):
        width, height = _size_of(tag)
        _add_image(facts, _attr(tag, "src"), "img", base, width, height, _hidden(tag))
    if tag.has_attr("background"):
        _add_image(facts, _attr(tag, "background"), "attribute", base)
    style = _attr(tag, "style")
    if "url(" in style.lower():
        for css_url in _css_urls(style):
            _add_image(facts, css_url, "css", base, hidden=_hidden(tag))
    if name in ("a", "area") and tag.has_attr("href"):
        href = _attr(tag, "href").strip()
        if href.lower().startswith(_BAD_SCHEMES):
            _count(facts, "javascript: or data: link")
            return
        url = _absolute(href, base)
        if url:
            text = " ".join(tag.get_text(" ", strip=True).split())
            if not text:
                text = " ".join(str(i.get("alt", "")) for i in tag.find_all("img")).strip()
            facts.links.append(LinkRef(url, text[:120]))


def _add_image(
    facts: HtmlFacts,
    src: str,
    element: Element,
    base: str | None,
    width: str | None = None,
    height: str | None = None,
    hidden: bool = False,
) -> None:
    src = src.strip()
    if src.lower().startswith(("cid:", "data:")):
        facts.embedded += 1
        return
    url = _absolute(src, base)
    if url:
        facts.images.append(ImageRef(url, element, width, height, hidden))


def _absolute(url: str, base: str | None) -> str | None:
    """An http(s) URL, or None (relative without a base, other schemes)."""
    url = "".join(url.split())  # line breaks and spaces inside a URL are not part of it
    if url.startswith("//"):
        url = "https:" + url
    elif base and not re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I):
        url = urljoin(base, url)
    return url if re.match(r"^https?://[^/?#\s]", url, re.I) else None


def _base_of(soup: BeautifulSoup) -> str | None:
    base = soup.find("base", href=True)
    href = _attr(base, "href") if isinstance(base, Tag) else ""
    return href if re.match(r"^https?://", href, re.I) else None


def _attr(tag: Tag, name: str) -> str:
    value = tag.get(name)
    if isinstance(value, list):
        return " ".join(value)
    return str(value) if value is not None else ""


def _size_of(tag: Tag) -> tuple[str | None, str | None]:
    width = _attr(tag, "width") or None
    height = _attr(tag, "height") or None
    for prop, value, _px, _end in _STYLE_SIZE.findall(_attr(tag, "style")):
        if prop.lower() == "width":
            width = value
        else:
            height = value
    return width, height


def _hidden(tag: Tag) -> bool:
    """Hidden by its own style or attribute, or by an ancestor's."""
    for node in _self_and_ancestors(tag):
        if node.has_attr("hidden") or _HIDDEN_STYLE.search(_attr(node, "style")):
            return True
    return False


def _self_and_ancestors(tag: Tag) -> Iterator[Tag]:
    node: Tag | None = tag
    while node is not None and node.name != "[document]":
        yield node
        node = node.parent


def _pixels(value: str | None) -> float | None:
    if value is None:
        return None
    match = re.match(r"^\s*([0-9]+(\.[0-9]+)?)\s*(px)?\s*$", value, re.I)
    return float(match.group(1)) if match else None


def _css_urls(css: str) -> Iterator[str]:
    for match in _CSS_URL.finditer(css):
        yield match.group(2)


def _count(facts: HtmlFacts, what: str) -> None:
    facts.active[what] = facts.active.get(what, 0) + 1
