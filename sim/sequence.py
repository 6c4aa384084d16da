"""Sequence diagrams of OCPI flows from a message trace: one charging session, or one correlation id.

``roamsim trace sequence`` and the GUI's sequence view both use this module (it never imports Qt):

    exchanges = load_exchanges(Path("out/trace.jsonl"))   # or exchanges_from_records(records)
    diagram = session_diagram(exchanges, "NL-CPA/SES000001")
    print(render(diagram, "mermaid"))

Which exchanges make up a session is explained in ``sim.sequence_select``; how they are drawn in
``sim.sequence_render``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.sequence_exchange import Exchange, TraceUnreadable, exchanges_from_records, load_exchanges
from sim.sequence_render import FORMATS, Diagram, Participant, Step, build_diagram, party_roles, render
from sim.sequence_select import Selection, SelectionError, select_correlation, select_session

__all__ = [
    "FORMATS",
    "Diagram",
    "Exchange",
    "Participant",
    "Selection",
    "SelectionError",
    "Step",
    "TraceUnreadable",
    "correlation_diagram",
    "exchanges_from_records",
    "load_exchanges",
    "render",
    "session_diagram",
]


def session_diagram(exchanges: Sequence[Exchange], reference: str) -> Diagram:
    """The diagram of session ``reference`` (``ID`` or ``CPO/ID``); ``SelectionError`` if none or ambiguous."""
    return build_diagram(select_session(exchanges, reference), party_roles(exchanges))


def correlation_diagram(exchanges: Sequence[Exchange], correlation_id: str) -> Diagram:
    """The diagram of every exchange with ``X-Correlation-ID: correlation_id``."""
    return build_diagram(select_correlation(exchanges, correlation_id), party_roles(exchanges))
