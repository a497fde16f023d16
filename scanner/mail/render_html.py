"""An ``EmailScan`` as one self-contained HTML page.

Jinja2 autoescapes every value; URLs from the email are shown as text, never as links or
images; the page's Content-Security-Policy (``default-src 'none'``, inline styles only) loads
nothing and runs nothing, so a hostile subject or URL stays inert even if escaping failed.

Example::

    Path("report.html").write_text(render_html(scan), encoding="utf-8")
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from scanner.mail.judge import is_tracked
from scanner.mail.model import EmailScan

TEMPLATES = Path(__file__).parent / "templates"


def render_html(scan: EmailScan) -> str:
    """The HTML report of ``scan``."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, whatever its name
        trim_blocks=True,
        lstrip_blocks=True,
    )
    names = {sid: str(facts.get("name", sid)) for sid, facts in scan.services.items()}
    env.filters["service_name"] = lambda sid: names.get(sid, sid) if sid else ""
    env.filters["tracked"] = lambda links: [link for link in links if is_tracked(link)]
    return env.get_template("email.html").render(scan=scan)
