"""Demo: the bundled demo shop (``sites/``) and the local multi-host web that serves it.

``cookiescan scan`` without a URL scans it offline; the tests and the benchmark serve their own
sites with the same ``LocalWeb``.
"""
