"""Analyse: pure functions from observations to meaning.

``match`` ties requests, cookies and storage keys to services of the signature database;
``judge`` (with ``evidence`` and ``verdict``) turns them into findings with their evidence;
``diff`` compares two results. Nothing here opens a browser.
"""
