"""``python -m outreach`` runs the command line."""

from outreach.cli.main import main

main()
