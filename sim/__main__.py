"""``python -m sim`` runs the roamsim command line."""

from sim.cli import entry_point

entry_point()
