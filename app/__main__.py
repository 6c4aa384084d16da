"""``python -m app [scenario]``: the GUI, exactly as ``roamsim gui``."""

import sys

from sim.cli import main

sys.exit(main(["gui", *sys.argv[1:]]))
