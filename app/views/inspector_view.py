"""PLACEHOLDER — being written (replace this whole file)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.controller import SimController


class InspectorView(QWidget):
    """Placeholder."""

    def __init__(self, controller: SimController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("InspectorView"))
