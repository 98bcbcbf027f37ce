"""``python -m quotetrace`` runs the command-line interface."""

from quotetrace.cli import main

main()
