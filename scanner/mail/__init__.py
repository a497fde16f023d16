"""Emails: what tracks the recipient of a message, and what the sender learns from it.

This room's one job: read emails (``.eml`` files, mbox files, folders of them, or a raw HTML
newsletter) and say, with evidence, what tracks their recipient: open pixels, click tracking,
identifiers and UTM tags in links, remote images that are not trackers, the unsubscribe
headers (RFC 8058 one-click), the sender's email service (from the ``[email]`` tables of the
signature database), the events the sender can collect, and findings with their legal
reading. It never fetches anything itself: loading a pixel would tell the sender the message
was opened; ``--render`` (opt-in) hands each message to a renderer the CLI injects
(``scanner.collect.render``), and the result records what loaded. It imports only the
base (``scanner.model``... ``scanner.rules``) and ``signatures``.

Modules, each importing only those below it::

    scan            paths -> EmailScan: read, analyse, judge, summarise (``scan_paths``)
    render | render_html   EmailScan -> JSON, Markdown, CSV | HTML (strict CSP)
    judge           events (Delivered, Opened...) and findings with the legal reading
    analyse         one message -> ESPs, pixels, links, remote images, unsubscribe
    esp | html | urls   the [email] rules indexed | HTML -> images and links | what a URL says
    read | parse    paths -> raw messages (size caps) | MIME -> headers, HTML, text
    model           the result, declared once (pydantic); its JSON Schema is email.schema.json

Example::

    from scanner import mail

    scan = mail.scan_paths(["inbox.mbox"], tool_version="0.1.0")
    print(mail.render(scan, "md"))
"""

from scanner.mail.model import EmailScan, MessageResult, json_schema, render_schema
from scanner.mail.render import FORMATS, render
from scanner.mail.scan import Limits, scan_bytes, scan_paths

__all__ = [
    "FORMATS",
    "EmailScan",
    "Limits",
    "MessageResult",
    "json_schema",
    "render",
    "render_schema",
    "scan_bytes",
    "scan_paths",
]
