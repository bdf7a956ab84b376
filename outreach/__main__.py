"""``python -m outreach`` runs the command line."""

from outreach.cli import main

main()
