"""``python -m scanner``: the ``cookiescan`` command."""

from scanner.cli import main

main()
