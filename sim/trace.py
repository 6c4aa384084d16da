"""The message trace: every ``MessageExchanged`` as one JSON line, keys in a fixed order.

Same scenario and seed give byte-identical files: the records hold only simulated times and ids
drawn from seeded generators, and ``wirejson.dumps_plain`` writes deterministically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from sim.bus import EventBus
from sim.events import MessageExchanged
from sim.ocpi.wirejson import dumps_plain, loads


class TraceWriter:
    """Writes each exchange published on a bus to a JSONL stream."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.count = 0

    def __call__(self, event: MessageExchanged) -> None:
        self._stream.write(dumps_plain(event.to_record()) + "\n")
        self.count += 1

    def attach(self, bus: EventBus) -> None:
        """Start recording everything published on ``bus`` from now on."""
        bus.subscribe(self, MessageExchanged)


def read_trace(path: Path) -> list[dict[str, Any]]:
    """The records of a JSONL trace file, in order."""
    with path.open(encoding="utf-8") as stream:
        return [loads(line) for line in stream if line.strip()]
