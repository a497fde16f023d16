"""Consent: find a site's consent banner and operate it ("accept all" or "reject all").

``operate`` is the entry point (``operate_banner``); ``autoconsent`` runs DuckDuckGo's rules for
known consent platforms; ``heuristic`` (with ``words`` and ``dom.js``) finds custom banners by
their text in many languages, in shadow roots and iframes; ``tcf`` reads the IAB TCF state.
"""

from scanner.consent.operate import operate_banner

__all__ = ["operate_banner"]
