"""Collect: drive Chromium and record what a site does, page by page, phase by phase.

The only room that talks to the browser. ``browser`` finds and launches Chromium; ``crawl``
keeps the frontier (same-site links, sitemaps, traps); ``phases`` runs one consent phase with a
pool of page workers; ``visit`` opens one page and waits as a visitor would; ``observe``,
``cookies`` and ``initiators`` record requests, cookies and storage (``page_scripts`` is the
JavaScript put into every page); ``parties`` says first or third party; ``journal`` streams
each finished page to disk. It never imports the analysis, the reports or the CLI.
"""
