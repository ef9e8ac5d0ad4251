"""``python -m newsdesk.cli``: the same entry point as the ``newsdesk`` console script."""

from newsdesk.cli import main

main()
