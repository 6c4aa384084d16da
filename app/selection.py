"""What the user has selected, shared by every view: picking a session in the table shows its
sequence diagram; clicking an arrow there selects the exchange in the inspector; clicking a marker
on the map shows the location's details."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class Selection(QObject):
    """Cross-view selection signals (views emit through the ``select_*`` methods and listen to the signals)."""

    session_selected = Signal(str, str)
    """(CPO party id such as ``NL-CPA``, session id)."""
    exchange_selected = Signal(int)
    """The ``seq`` of a ``MessageExchanged``."""
    location_selected = Signal(str, str)
    """(CPO party id, location id)."""
    correlation_selected = Signal(str)
    """An ``X-Correlation-ID``: show the flow of that correlation."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session: tuple[str, str] | None = None
        self.exchange: int | None = None
        self.location: tuple[str, str] | None = None

    def select_session(self, cpo: str, session_id: str) -> None:
        """Select a session (CPO id, session id)."""
        self.session = (cpo, session_id)
        self.session_selected.emit(cpo, session_id)

    def select_exchange(self, seq: int) -> None:
        """Select one exchange by its sequence number."""
        self.exchange = seq
        self.exchange_selected.emit(seq)

    def select_location(self, cpo: str, location_id: str) -> None:
        """Select a location (CPO id, location id)."""
        self.location = (cpo, location_id)
        self.location_selected.emit(cpo, location_id)

    def select_correlation(self, correlation_id: str) -> None:
        """Select every exchange of one correlation id."""
        self.correlation_selected.emit(correlation_id)
