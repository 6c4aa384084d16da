"""What the GUI remembers between runs: window geometry and dock layout, speed, recent scenario files.

Kept in an INI file in the user's configuration directory (``ROAMSIM_CONFIG_DIR`` overrides it, which
the tests use so they never touch the real one).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

MAX_RECENT = 8


def settings_file() -> Path:
    """Where the settings live."""
    override = os.environ.get("ROAMSIM_CONFIG_DIR")
    if override:
        return Path(override) / "roamsim.ini"
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    return Path(base or Path.home() / ".config") / "roamsim" / "roamsim.ini"


class AppSettings:
    """Typed access to the settings file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or settings_file()
        self._qt = QSettings(str(self.path), QSettings.Format.IniFormat)

    def recent_files(self) -> list[Path]:
        """Recently opened scenarios that still exist, newest first."""
        value = self._qt.value("recent", [])
        names = [value] if isinstance(value, str) else list(value or [])
        return [Path(n) for n in names if Path(n).is_file()]

    def add_recent(self, path: Path) -> None:
        """Put ``path`` first in the recent files."""
        resolved = path.resolve()
        names = [str(resolved)] + [str(p) for p in self.recent_files() if p.resolve() != resolved]
        self._qt.setValue("recent", names[:MAX_RECENT])
        self._qt.sync()

    def last_file(self) -> Path | None:
        """The scenario opened last, if it still exists."""
        recent = self.recent_files()
        return recent[0] if recent else None

    def set_speed(self, speed: float | None) -> None:
        """Remember the speed (``max`` for as fast as possible)."""
        self._qt.setValue("speed", "max" if speed is None else str(speed))

    def speed(self, default: float | None) -> float | None:
        """The remembered speed."""
        value = self._qt.value("speed")
        if value is None:
            return default
        if value == "max":
            return None
        try:
            return float(str(value))
        except ValueError:
            return default

    def window_state(self, version: int) -> tuple[QByteArray | None, QByteArray | None]:
        """(geometry, dock state) saved for this layout version, else (None, None)."""
        if self._qt.value("layout_version") != str(version):
            return None, None
        geometry, state = self._qt.value("geometry"), self._qt.value("state")
        return (
            geometry if isinstance(geometry, QByteArray) else None,
            state if isinstance(state, QByteArray) else None,
        )

    def save_window(self, geometry: QByteArray, state: QByteArray, version: int) -> None:
        """Remember the window geometry and dock layout."""
        self._qt.setValue("layout_version", str(version))
        self._qt.setValue("geometry", geometry)
        self._qt.setValue("state", state)
        self._qt.sync()
