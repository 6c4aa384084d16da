"""``python -m app.tour [OUTDIR]``: the screenshots in the README, made the same way every time.

Each shot opens a bundled scenario in the main window, runs it to a simulated time in drawn slices
(as playing would), selects a session so the sessions details and the sequence diagram show it,
optionally raises a dock, and saves the whole window as a PNG (default ``assets/screenshots``).
Runs offscreen when no display is set.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from app.main import REPO, SCREENSHOT_SLICE_S, MainWindow


@dataclass(frozen=True)
class Shot:
    """One screenshot: scenario, simulated seconds to run, session to select, dock to raise."""

    name: str
    scenario: str
    after_s: float
    session: tuple[str, str] | None = None
    dock: str | None = None


SHOTS = (
    Shot("bilateral-basics", "bilateral-basics", 4 * 3600, ("NL-UCP", "SES000002")),
    Shot("hub-network", "hub-network", 10 * 3600, ("NL-DMN", "SES000003")),
    Shot("hub-network-kpis", "hub-network", 14 * 3600, ("BE-CTY", "SES000002"), dock="charts"),
)


def take(shot: Shot, out_dir: Path) -> Path:
    """Make one screenshot; returns its path."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    if not window.open(REPO / "scenarios" / f"{shot.scenario}.yaml"):
        raise SystemExit(f"cannot open {shot.scenario}")
    controller = window.controller
    while controller.now_s < shot.after_s:
        controller.run_to(min(shot.after_s, controller.now_s + SCREENSHOT_SLICE_S))
        app.processEvents()
    if shot.session is not None:
        controller.selection.select_session(*shot.session)
    if shot.dock is not None:
        window.docks[shot.dock].raise_()
    for _ in range(10):  # throttled views redraw on their timers
        app.processEvents()
        time.sleep(0.06)
    path = out_dir / f"{shot.name}.png"
    window.grab().save(str(path))
    window.close()
    return path


def main(argv: list[str]) -> int:
    """Make every screenshot into ``argv[0]`` (default ``assets/screenshots``)."""
    out_dir = Path(argv[0]) if argv else REPO / "assets" / "screenshots"
    out_dir.mkdir(parents=True, exist_ok=True)
    for shot in SHOTS:
        print(take(shot, out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
