"""Selected exchanges → a sequence diagram: a neutral ``Diagram``, then Mermaid or PlantUML text.

Layout rules
* Participants: eMSPs (the session's own first), hubs, CPOs (the session's own first), then anyone
  else (an SCSP), each group in order of first appearance; labelled with the role the trace shows.
* One solid arrow per request, labelled ``HH:MM:SS.mmm METHOD path (module)`` plus the key field of
  the body (``status=CHARGING``, ``result=ACCEPTED``, ``kwh=5.500``); UUIDs and other long path
  segments are shortened.  One dashed arrow back per response with ``HTTP …, OCPI …`` (and the
  status text when it is not 1000) plus ``allowed=``/``result=`` of the answer.
* A hub hop is drawn inside the request that caused it: eMSP → hub, hub → CPO, CPO ⇢ hub, hub ⇢ eMSP
  (the trace lists the inner hop first, since it completes first).
* A request that got no answer ends in a cross, with a note saying why; fault and raw-token notes of
  the trace become notes over the two parties.  Times are simulated UTC; the date is in the title
  and in a note whenever it changes.
The output depends only on the exchanges, so it is deterministic.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import parse_qsl

from sim.ocpi.status import OCPIStatus
from sim.sequence_exchange import Exchange
from sim.sequence_select import Selection

FORMATS = ("mermaid", "plantuml")
NEWLINE = "\n"
PLANTUML_NEWLINE = "\\n"  # PlantUML's line break inside a one-line note
ROLE_RANK = {"eMSP": 0, "hub": 1, "CPO": 2}
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HEX = re.compile(r"^[0-9a-fA-F]{16,}$")
_LONG = 24
_HOP_NOTES = ("forwarded to ", "relayed to ")
_MERMAID_KEYWORDS = (
    "participant", "actor", "create", "destroy", "box", "loop", "rect", "opt", "alt", "else", "par", "and",
    "critical", "option", "break", "end", "left of", "right of", "links", "link", "properties", "details",
    "over", "note", "activate", "deactivate", "title", "acc", "sequencediagram", "autonumber", "off",
)  # fmt: skip


@dataclass(frozen=True)
class Participant:
    """A party on the diagram; ``role`` is what the trace shows it doing (None if unclear)."""

    name: str
    role: str | None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name


@dataclass(frozen=True)
class Step:
    """One line of the diagram: ``request``, ``response``, ``lost`` (unanswered request) or ``note``.

    A note's ``text`` may hold several lines (separated by newlines).
    """

    kind: str
    source: str
    target: str
    text: str


@dataclass(frozen=True)
class Diagram:
    """What to draw, independent of the output language."""

    title: str
    participants: tuple[Participant, ...]
    steps: tuple[Step, ...]


def party_roles(exchanges: Iterable[Exchange]) -> dict[str, str]:
    """The role each party plays in a whole trace: hub, CPO, eMSP, SCSP (or both CPO/eMSP)."""
    hubs: set[str] = set()
    cpo: Counter[str] = Counter()
    emsp: Counter[str] = Counter()
    profiles: Counter[str] = Counter()
    for e in exchanges:
        if e.origin != e.sender or (e.module == "hubclientinfo" and e.side == "receiver"):
            hubs.add(e.sender)  # forwards for someone else, or announces parties (only hubs do)
        if e.destination != e.receiver or any(note.startswith(_HOP_NOTES) for note in e.notes):
            hubs.add(e.receiver)
        if e.cpo_side is not None and e.other_side is not None:
            cpo[e.cpo_side] += 1
            (profiles if e.module == "chargingprofiles" else emsp)[e.other_side] += 1
    roles = {party: "hub" for party in hubs}
    for party in sorted((set(cpo) | set(emsp) | set(profiles)) - hubs):
        if cpo[party] and emsp[party]:
            roles[party] = "CPO/eMSP"
        elif cpo[party]:
            roles[party] = "CPO"
        elif emsp[party]:
            roles[party] = "eMSP"
        else:
            roles[party] = "SCSP"
    return roles


def build_diagram(selection: Selection, roles: Mapping[str, str]) -> Diagram:
    """Lay out the selected exchanges (see the module docstring)."""
    order = _drawing_order(selection.exchanges)
    participants = _participants(order, roles, selection)
    names = [p.name for p in participants]
    first_date = order[0][0].time.date() if order else None
    title = selection.title + (f" ({first_date.isoformat()}, times in UTC)" if first_date else "")
    steps: list[Step] = []
    date = first_date
    for exchange, phase in order:
        if exchange.time.date() != date:
            date = exchange.time.date()
            steps.append(Step("note", names[0], names[-1], date.isoformat()))
        if phase == "request":
            kind = "lost" if exchange.http_status == 0 else "request"
            steps.append(Step(kind, exchange.sender, exchange.receiver, request_label(exchange)))
            continue
        notes = [note for note in exchange.notes if not note.startswith(_HOP_NOTES)]
        if exchange.http_status != 0:
            steps.append(Step("response", exchange.receiver, exchange.sender, response_label(exchange)))
        else:
            notes.insert(0, f"no answer: {exchange.error or 'unknown'}")
        if notes:
            steps.append(Step("note", exchange.sender, exchange.receiver, "\n".join(notes)))
    return Diagram(title=title, participants=tuple(participants), steps=tuple(steps))


def _drawing_order(exchanges: Sequence[Exchange]) -> list[tuple[Exchange, str]]:
    """(exchange, 'request' | 'response') in drawing order, hub hops nested in their cause."""
    ordered = sorted(exchanges, key=lambda e: e.seq)
    children: dict[int, list[Exchange]] = {}
    nested: set[int] = set()
    for outer in ordered:
        if outer.correlation_id is None:
            continue
        for inner in ordered:
            if inner.seq >= outer.seq:
                break
            if (
                inner.seq not in nested
                and inner.sender == outer.receiver
                and inner.time == outer.time
                and inner.correlation_id == outer.correlation_id
            ):
                nested.add(inner.seq)
                children.setdefault(outer.seq, []).append(inner)
    order: list[tuple[Exchange, str]] = []

    def draw(exchange: Exchange) -> None:
        order.append((exchange, "request"))
        for inner in children.get(exchange.seq, ()):
            draw(inner)
        order.append((exchange, "response"))

    for exchange in ordered:
        if exchange.seq not in nested:
            draw(exchange)
    return order


def _participants(
    order: Sequence[tuple[Exchange, str]], roles: Mapping[str, str], selection: Selection
) -> list[Participant]:
    seen: dict[str, int] = {}
    for exchange, _ in order:
        for party in (exchange.sender, exchange.receiver):
            seen.setdefault(party, len(seen))
    first = {selection.emsp, selection.cpo}

    def key(party: str) -> tuple[int, int, int]:
        rank = ROLE_RANK.get(roles.get(party, ""), 3)
        return rank, 0 if party in first else 1, seen[party]

    return [Participant(party, roles.get(party)) for party in sorted(seen, key=key)]


def shorten(segment: str) -> str:
    """A UUID or long hex id → its first 8 characters + '...'; any other id longer than 24 → 21 + '...'."""
    if _UUID.match(segment) or _HEX.match(segment):
        return segment[:8] + "..."
    return segment if len(segment) <= _LONG else segment[: _LONG - 3] + "..."


def _short_value(value: str) -> str:
    """A query value; a URL (a ``response_url``) as ``.../<last two path segments>``."""
    if value.startswith(("http://", "https://")):
        return ".../" + "/".join(shorten(s) for s in value.rstrip("/").split("/")[-2:])
    return shorten(value)


def request_label(exchange: Exchange) -> str:
    """``06:13:40.244 POST /ocpi/2.2.1/sender/tokens/T1/authorize?type=RFID (tokens)`` plus the gist."""
    path = "/".join(shorten(s) for s in exchange.path.split("/"))
    if exchange.query:
        path += "?" + "&".join(f"{key}={_short_value(value)}" for key, value in parse_qsl(exchange.query))
    stamp = exchange.time.strftime("%H:%M:%S.") + f"{exchange.time.microsecond // 1000:03d}"
    module = f" ({exchange.module})" if exchange.module else ""
    return f"{stamp} {exchange.method} {path}{module}" + _gist(_request_gist(exchange))


def response_label(exchange: Exchange) -> str:
    """``HTTP 200, OCPI 1000`` (with the status text when it is not a success) plus the gist."""
    text = f"HTTP {exchange.http_status}"
    if exchange.ocpi_status is not None:
        text += f", OCPI {exchange.ocpi_status}"
        if exchange.ocpi_status != OCPIStatus.SUCCESS:
            with suppress(ValueError):  # a custom x900-x999 code has no text
                text += f" {OCPIStatus(exchange.ocpi_status).description}"
    data = exchange.response_data
    gist = {key: data.get(key) for key in ("allowed", "result")} if isinstance(data, dict) else {}
    return text + _gist(gist)


def _request_gist(exchange: Exchange) -> dict[str, object]:
    body = exchange.request_json
    if not isinstance(body, dict):
        return {}
    if exchange.module == "sessions":
        return {"status": body.get("status"), "kwh": body.get("kwh") if exchange.method == "PATCH" else None}
    if exchange.module == "locations":
        return {"status": body.get("status")}
    if exchange.module == "cdrs":
        return {"id": body.get("id")}
    if exchange.side == "sender" and exchange.module in ("commands", "chargingprofiles"):
        return {"result": body.get("result")}
    return {}


def _gist(fields: Mapping[str, object]) -> str:
    shown = [f"{key}={shorten(str(value))}" for key, value in fields.items() if value is not None]
    return (" " + " ".join(shown)) if shown else ""


# --- output languages -----------------------------------------------------------------------------


def _identifiers(participants: Sequence[Participant]) -> dict[str, str]:
    """Safe, unique diagram identifiers (``NL-CPA`` → ``NL_CPA``)."""
    ids: dict[str, str] = {}
    for participant in participants:
        ident = re.sub(r"\W", "_", participant.name, flags=re.ASCII) or "party"
        if ident[0].isdigit() or ident.lower().startswith(_MERMAID_KEYWORDS):
            ident = "p_" + ident
        while ident in ids.values():
            ident += "_"
        ids[participant.name] = ident
    return ids


def _mermaid_text(text: str) -> str:
    # Mermaid ends a message at ';' or '#', and '%%' starts a comment.
    return text.replace(";", ",").replace("#", "no.").replace("%%", "%")


def to_mermaid(diagram: Diagram) -> str:
    """Mermaid ``sequenceDiagram`` source."""
    ids = _identifiers(diagram.participants)
    lines = ["sequenceDiagram", f"    title {_mermaid_text(diagram.title)}"]
    lines += [f"    participant {ids[p.name]} as {_mermaid_text(p.label)}" for p in diagram.participants]
    arrows = {"request": "->>", "response": "-->>", "lost": "-x"}
    for step in diagram.steps:
        source, target, text = ids[step.source], ids[step.target], _mermaid_text(step.text)
        if step.kind == "note":
            lines.append(f"    Note over {source},{target}: {text.replace(NEWLINE, '<br/>')}")
        else:
            lines.append(f"    {source}{arrows[step.kind]}{target}: {text}")
    return "\n".join(lines) + "\n"


def to_plantuml(diagram: Diagram) -> str:
    """PlantUML ``@startuml … @enduml`` source."""
    ids = _identifiers(diagram.participants)
    lines = ["@startuml", f"title {diagram.title}"]
    lines += [f'participant "{p.label}" as {ids[p.name]}' for p in diagram.participants]
    arrows = {"request": "->", "response": "-->", "lost": "->x"}
    for step in diagram.steps:
        source, target = ids[step.source], ids[step.target]
        if step.kind == "note":
            lines.append(f"note over {source}, {target} : {step.text.replace(NEWLINE, PLANTUML_NEWLINE)}")
        else:
            lines.append(f"{source} {arrows[step.kind]} {target} : {step.text}")
    lines.append("@enduml")
    return "\n".join(lines) + "\n"


def render(diagram: Diagram, fmt: str) -> str:
    """The diagram in ``fmt`` (one of ``FORMATS``)."""
    if fmt == "mermaid":
        return to_mermaid(diagram)
    if fmt == "plantuml":
        return to_plantuml(diagram)
    raise ValueError(f"unknown diagram format {fmt!r} (use {' or '.join(FORMATS)})")
