"""``python -m drugpolicy_kg`` runs the command line."""

from .cli import main

main()
