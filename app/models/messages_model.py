"""``MessagesModel``: every OCPI exchange of the run as table rows, and ``MessageFilter`` to narrow them.

The model holds references to the ``MessageExchanged`` events themselves — a city-scale day has some
60,000 — and computes the text of a cell only when the view asks for it (only visible rows are).
New exchanges are appended with ``beginInsertRows`` once per batch, so the cost per tick is the size
of the batch.  ``MessageFilter`` is the ``QSortFilterProxyModel`` in front of it: module, party,
status, a wildcard search over path and bodies, and "hide messages like this" rules.  A proxy only
filters the rows a change can affect: new rows on insertion, all rows when a filter changes.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from sim.events import MessageExchanged
from sim.explain import path_pattern, short_path
from sim.ocpi.status import is_success

COLUMNS = ("#", "Time", "From → To", "Method", "Module", "HTTP", "OCPI", "Latency", "Path")
SEQ, TIME, PARTIES, METHOD, MODULE, HTTP, OCPI, LATENCY, PATH = range(len(COLUMNS))
"""The path comes last: it is the longest, and takes whatever width is left."""
NUMERIC = frozenset({SEQ, HTTP, OCPI, LATENCY})
EXCHANGE_ROLE = Qt.ItemDataRole.UserRole + 1
"""Data role that returns the row's ``MessageExchanged``."""
HTTP_ERROR_COLOUR = QColor("#c62828")
OCPI_ERROR_COLOUR = QColor("#e65100")

Index = QModelIndex | QPersistentModelIndex
HideRule = tuple[str, str | None, str]
"""(method, module, path pattern with ids as ``*``): what "hide messages like this" hides."""


def http_error(event: MessageExchanged) -> bool:
    """No answer, or an HTTP status other than 2xx."""
    return not 200 <= event.response_status < 300


def ocpi_error(event: MessageExchanged) -> bool:
    """An answer whose OCPI status is not a success (or that carries none)."""
    if event.response_status == 0:
        return False
    return event.ocpi_status is None or not is_success(event.ocpi_status)


class MessagesModel(QAbstractTableModel):
    """The exchanges in ``seq`` order, one per row (display text computed on demand)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[MessageExchanged] = []
        self._seqs: list[int] = []
        self._patterns: dict[int, str] = {}
        self._zone = ZoneInfo("UTC")

    # --- filling --------------------------------------------------------------------------------

    def reset(self, exchanges: Iterable[MessageExchanged], zone: ZoneInfo) -> None:
        """Replace every row (a new scenario, or the view built mid-run)."""
        self.beginResetModel()
        self._rows = list(exchanges)
        self._seqs = [e.seq for e in self._rows]
        self._patterns.clear()
        self._zone = zone
        self.endResetModel()

    def append(self, exchanges: Sequence[MessageExchanged]) -> int:
        """Add the exchanges not held yet (``seq`` above the last row); returns how many were added."""
        last = self._seqs[-1] if self._seqs else -1
        new = exchanges if not exchanges or exchanges[0].seq > last else [e for e in exchanges if e.seq > last]
        if not new:
            return 0
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        self._rows.extend(new)
        self._seqs.extend(e.seq for e in new)
        self.endInsertRows()
        return len(new)

    # --- lookups --------------------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        """The time zone of the Time column."""
        return self._zone

    def exchange(self, row: int) -> MessageExchanged:
        """The exchange of a source row."""
        return self._rows[row]

    def exchanges(self) -> list[MessageExchanged]:
        """Every exchange held, in row order."""
        return list(self._rows)

    def row_of(self, seq: int) -> int | None:
        """The row of the exchange with this ``seq`` (binary search: rows are in ``seq`` order)."""
        row = bisect_left(self._seqs, seq)
        return row if row < len(self._seqs) and self._seqs[row] == seq else None

    def pattern(self, row: int) -> str:
        """The row's path pattern (ids as ``*``), computed once."""
        found = self._patterns.get(row)
        if found is None:
            found = self._patterns[row] = path_pattern(self._rows[row].url)
        return found

    def hide_rule(self, row: int) -> HideRule:
        """What "hide messages like this" hides for a row: same method, module and path pattern."""
        event = self._rows[row]
        return (event.method, event.module, self.pattern(row))

    # --- Qt model interface ---------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's name and signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's name and signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.ToolTipRole and section == TIME:
            return f"Simulated time in the scenario's time zone, {self._zone.key}"
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if section == TIME:  # say which clock: the scenario's local time
            return f"Time ({self._zone.key.rsplit('/', 1)[-1].replace('_', ' ')})"
        return COLUMNS[section]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        event = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(event, column)
        if role == EXCHANGE_ROLE:
            return event
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(event, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if http_error(event):
                return HTTP_ERROR_COLOUR
            return OCPI_ERROR_COLOUR if ocpi_error(event) else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, event: MessageExchanged, column: int) -> str:
        if column == SEQ:
            return str(event.seq)
        if column == TIME:
            local = event.time.astimezone(self._zone)
            return f"{local:%H:%M:%S}.{local.microsecond // 1000:03d}"
        if column == PARTIES:
            return f"{event.from_party} → {event.to_party}"
        if column == METHOD:
            return event.method
        if column == PATH:
            return short_path(event.url)
        if column == MODULE:
            return event.module or ""
        if column == HTTP:
            return str(event.response_status) if event.response_status else "—"
        if column == OCPI:
            return "" if event.ocpi_status is None else str(event.ocpi_status)
        return f"{event.latency_s * 1000:.0f} ms"

    def _tooltip(self, event: MessageExchanged, column: int) -> str | None:
        if column == TIME:
            return f"{event.time.astimezone(self._zone).isoformat()} ({self._zone.key}); {event.time.isoformat()} UTC"
        if column == PATH:
            return event.url
        if column == HTTP and event.response_status == 0:
            return f"no answer: {event.error}"
        return None


class Status(StrEnum):
    """The status filter's choices."""

    ALL = "all"
    OK = "OK"
    HTTP_ERRORS = "HTTP errors"
    OCPI_ERRORS = "OCPI errors"


class WildcardSearch:
    """A case-insensitive search anywhere in a text: ``*`` = any run of characters, ``?`` = one.

    Texts are lower-cased and first checked for the pattern's literal pieces with ``in`` (the fast
    path, several times quicker than a case-insensitive regex over kilobytes of JSON); the regex
    runs only when the pieces alone cannot decide (a ``?`` or several pieces whose order matters).
    """

    def __init__(self, text: str) -> None:
        self.text = text.strip().lower()
        self.pieces = [piece for piece in re.split(r"[*?]", self.text) if piece]
        self.needs_regex = "?" in self.text or len(self.pieces) > 1
        parts = [".*?" if c == "*" else "." if c == "?" else re.escape(c) for c in self.text]
        self.regex = re.compile("".join(parts), re.DOTALL)

    def matches(self, text: str | None) -> bool:
        """Whether the pattern occurs in ``text``."""
        if not text:
            return not self.text
        lowered = text.lower()
        if not all(piece in lowered for piece in self.pieces):
            return False
        return not self.needs_regex or self.regex.search(lowered) is not None


class MessageFilter(QSortFilterProxyModel):
    """Module, party, status, wildcard search and hide rules over a ``MessagesModel`` (no sorting)."""

    def __init__(self, source: MessagesModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self._source = source
        self.modules: frozenset[str | None] | None = None
        """Modules shown (None = every module; ``None`` inside = exchanges without a module)."""
        self.party: str | None = None
        self.status = Status.ALL
        self.search = ""
        self._search: WildcardSearch | None = None
        self.hidden: list[HideRule] = []

    # --- changing the filters -------------------------------------------------------------------

    def _change(self, apply: Any) -> None:
        self.beginFilterChange()
        apply()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_modules(self, modules: Iterable[str | None] | None) -> None:
        """Show only these modules (None: all)."""
        chosen = None if modules is None else frozenset(modules)
        if chosen != self.modules:
            self._change(lambda: setattr(self, "modules", chosen))

    def set_party(self, party: str | None) -> None:
        """Show only exchanges sent or received by ``party`` (None: all)."""
        if party != self.party:
            self._change(lambda: setattr(self, "party", party))

    def set_status(self, status: Status) -> None:
        """Show all, only OK, only HTTP errors or only OCPI errors."""
        if status != self.status:
            self._change(lambda: setattr(self, "status", status))

    def set_search(self, text: str) -> None:
        """Search path and bodies (case-insensitive, ``*`` and ``?`` wildcards; empty: no search)."""
        if text != self.search:

            def apply() -> None:
                self.search = text
                self._search = WildcardSearch(text) if text.strip() else None

            self._change(apply)

    def hide_like(self, source_row: int) -> HideRule:
        """Hide every exchange with the same method, module and path pattern as this row."""
        rule = self._source.hide_rule(source_row)
        if rule not in self.hidden:
            self._change(lambda: self.hidden.append(rule))
        return rule

    def reset_hidden(self) -> None:
        """Show the hidden exchanges again."""
        if self.hidden:
            self._change(self.hidden.clear)

    # --- the test -------------------------------------------------------------------------------

    def rejections(self, source_row: int) -> list[str]:
        """Which filters hide a row: ``module``, ``party``, ``status``, ``search``, ``hidden``."""
        event = self._source.exchange(source_row)
        found = []
        if self.modules is not None and event.module not in self.modules:
            found.append("module")
        if self.party is not None and self.party not in (event.from_party, event.to_party):
            found.append("party")
        if not self._status_matches(event):
            found.append("status")
        if self.hidden and self._source.hide_rule(source_row) in self.hidden:
            found.append("hidden")
        if self._search is not None and not self._search_matches(event):
            found.append("search")
        return found

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802 - Qt's name
        # The cheap tests first; the text search (bodies can be kilobytes) last.
        event = self._source.exchange(source_row)
        if self.modules is not None and event.module not in self.modules:
            return False
        if self.party is not None and self.party != event.from_party and self.party != event.to_party:
            return False
        if self.status is not Status.ALL and not self._status_matches(event):
            return False
        if self.hidden and self._source.hide_rule(source_row) in self.hidden:
            return False
        return self._search is None or self._search_matches(event)

    def _status_matches(self, event: MessageExchanged) -> bool:
        if self.status is Status.OK:
            return not http_error(event) and not ocpi_error(event)
        if self.status is Status.HTTP_ERRORS:
            return http_error(event)
        if self.status is Status.OCPI_ERRORS:
            return ocpi_error(event)
        return True

    def _search_matches(self, event: MessageExchanged) -> bool:
        search = self._search
        assert search is not None
        parts = urlsplit(event.url)
        where = parts.path + ("?" + parts.query if parts.query else "")
        return search.matches(where) or search.matches(event.request_body) or search.matches(event.response_body)
