"""The sessions table: a thin Qt adapter over ``sim.live.sessions.SessionBook``, and its sort/filter proxy.

The book changes; ``SessionsModel.apply`` turns what changed into ``rowsInserted`` (new sessions
are appended) and ``dataChanged`` over runs of changed rows, so a tick costs O(changes), never a
reset.  Sorting uses ``SORT_ROLE``: numbers for energy, power, duration and money (floats, for
ordering only — the cells show the exact Decimals), text otherwise.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from sim.live.sessions import (
    BookChanges,
    SessionBook,
    SessionRow,
    format_duration,
    format_kwh,
    format_money,
    format_power,
)

ModelIndex = QModelIndex | QPersistentModelIndex

COLUMNS: tuple[str, ...] = (
    "Session",
    "Token",
    "eMSP",
    "CPO",
    "Location / EVSE",
    "Status",
    "kWh",
    "kW now",
    "Duration",
    "Running cost",
    "CDR total",
    "Reconciliation",
)
NUMERIC = frozenset({6, 7, 8, 9, 10})
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
"""Sort key of a cell (float for numeric columns, text otherwise)."""
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
"""The ``SessionRow`` of a cell."""
MISMATCH_BRUSH = QBrush(QColor(255, 214, 214))
ENDED_TEXT = QBrush(QColor(90, 90, 90))
STATUS_BRUSHES = {"ACTIVE": QBrush(QColor(0, 110, 40)), "INVALID": QBrush(QColor(170, 0, 0))}


class SessionsModel(QAbstractTableModel):
    """One row per ``SessionRow`` of a ``SessionBook`` (see the module docstring)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.book: SessionBook | None = None
        self._count = 0  # rows announced to views; the book may already hold more

    def set_book(self, book: SessionBook | None) -> None:
        """Show another book (a new simulation): the only full reset."""
        self.beginResetModel()
        self.book = book
        self._count = len(book.rows) if book is not None else 0
        self.endResetModel()

    def apply(self, changes: BookChanges) -> None:
        """Announce what the book changed: appended rows, then changed rows in runs."""
        if self.book is None:
            return
        known = self._count
        for at in _runs(sorted(i for i in changes.changed if i < known)):
            self.dataChanged.emit(self.index(at[0], 0), self.index(at[1], len(COLUMNS) - 1))
        total = len(self.book.rows)
        if total > known:
            self.beginInsertRows(QModelIndex(), known, total - 1)
            self._count = total
            self.endInsertRows()

    def row_at(self, row: int) -> SessionRow | None:
        """The session of a (source) row."""
        if self.book is None or not 0 <= row < self._count:
            return None
        return self.book.rows[row]

    # --- QAbstractTableModel ------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802 - Qt's name
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self.row_at(index.row())
        if row is None or self.book is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(row, column, self.book)
        if role == SORT_ROLE:
            return sort_key(row, column, self.book)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and row.mismatch:
            return MISMATCH_BRUSH
        if role == Qt.ItemDataRole.ForegroundRole:
            ended = None if row.active else ENDED_TEXT
            return STATUS_BRUSHES.get(row.status, ended) if column == 5 else ended
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(row, column)
        return None


def cell_text(row: SessionRow, column: int, book: SessionBook) -> str:
    """What a cell shows."""
    if column == 0:
        return row.session_id
    if column == 1:
        return row.token_uid
    if column == 2:
        return row.emsp
    if column == 3:
        return row.cpo
    if column == 4:
        return f"{row.location_id} / {row.evse_uid}"
    if column == 5:
        return row.status
    if column == 6:
        return format_kwh(row.kwh)
    if column == 7:
        return format_power(row.power_kw) + (" (full)" if row.full and row.active else "")
    if column == 8:
        return format_duration(row.duration_s(book.now()))
    if column == 9:
        return format_money(row.currency, row.cost_excl)
    if column == 10:
        return format_money(row.currency, row.cdr_total_excl)
    return row.reconciliation


def sort_key(row: SessionRow, column: int, book: SessionBook) -> object:
    """A cell's sort key: a float for numbers (missing = -1, first), else the text."""
    if column == 6:
        return float(row.kwh)
    if column == 7:
        return float(row.power_kw) if row.power_kw is not None else -1.0
    if column == 8:
        return row.duration_s(book.now())
    if column == 9:
        return float(row.cost_excl) if row.cost_excl is not None else -1.0
    if column == 10:
        return float(row.cdr_total_excl) if row.cdr_total_excl is not None else -1.0
    return cell_text(row, column, book)


def tooltip(row: SessionRow, column: int) -> str | None:
    """Exact amounts behind rounded money cells; the reason of a mismatch."""
    if column == 9 and row.cost_excl is not None:
        incl = f", {row.currency} {row.cost_incl} incl. VAT" if row.cost_incl is not None else ""
        return f"{row.currency} {row.cost_excl} excl. VAT{incl} (as of the CPO's last session update)"
    if column == 10 and row.cdr_total_excl is not None:
        incl = f", {row.currency} {row.cdr_total_incl} incl. VAT" if row.cdr_total_incl is not None else ""
        return f"{row.cdr_id}: {row.currency} {row.cdr_total_excl} excl. VAT{incl}"
    if column == 11 and row.mismatch:
        return row.mismatch_reason
    return None


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs of sorted indices as (first, last)."""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


STATES: tuple[tuple[str, str], ...] = (
    ("all", "All sessions"),
    ("active", "Active"),
    ("completed", "Completed"),
    ("mismatches", "CDR mismatches"),
)
"""(key, combo text) of the state filter."""


class SessionsFilter(QSortFilterProxyModel):
    """Sorts by ``SORT_ROLE``; keeps rows whose any cell contains the filter text and that are in the state chosen."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = "all"
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(-1)  # the text may be in any column
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)

    def set_text(self, text: str) -> None:
        """Keep rows with ``text`` in any cell (case-insensitive; empty keeps all)."""
        self.setFilterFixedString(text)

    def set_state(self, state: str) -> None:
        """``all``, ``active``, ``completed`` or ``mismatches``."""
        self.beginFilterChange()
        self.state = state
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:  # noqa: N802 - Qt's name
        model = self.sourceModel()
        row = model.row_at(source_row) if isinstance(model, SessionsModel) else None
        if row is None:
            return False
        if self.state == "active" and not row.active:
            return False
        if self.state == "completed" and row.active:
            return False
        if self.state == "mismatches" and not row.mismatch:
            return False
        return super().filterAcceptsRow(source_row, source_parent)
