"""JSON as it travels between OCPI parties: numbers are exact Decimals, output is deterministic.

``loads`` turns every JSON number with a fraction or exponent into ``Decimal`` (integers stay
``int``), so ``0.1`` never becomes ``0.1000000000000000055…``.  ``dumps`` writes Decimals back as
plain JSON numbers (``2.00`` stays ``2.00``), keeps key order and uses no whitespace, so the same
object always gives the same bytes — the message trace depends on that.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic_core import to_json
from pydantic_core.core_schema import SerializationInfo

# Decimals are smuggled through the fast C encoder as NUL-delimited strings and unquoted afterwards.
# OCPI strings can never contain NUL (control characters are rejected by every string type).
_DECIMAL_MARK = re.compile(r'"\\u0000(-?[0-9]+(?:\.[0-9]+)?)\\u0000"')


def _encode_special(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be written as a JSON number")
        return "\0" + format(value, "f") + "\0"
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _encoder(indent: int | None) -> json.JSONEncoder:
    separators = (",", ":") if indent is None else (",", ": ")
    return json.JSONEncoder(
        default=_encode_special, ensure_ascii=False, separators=separators, indent=indent, allow_nan=False
    )


_COMPACT = _encoder(None)
"""The encoder ``json.dumps`` would build for a compact ``dumps`` on every call (it keeps no state)."""


def dumps(value: Any, *, indent: int | None = None) -> str:
    """Serialise to JSON with Decimals as exact numbers (compact unless ``indent`` is given)."""
    return unmark((_COMPACT if indent is None else _encoder(indent)).encode(value))


def unmark(text: str) -> str:
    """JSON text with every smuggled Decimal string (``"\\u0000…\\u0000"``) turned into a plain number.

    ``_DECIMAL_MARK.sub(r"\\1", text)``: splitting on a pattern with one group keeps the text between
    the matches and each match's group, so joining the pieces gives the substitution — in C, where this
    Python's ``sub`` expands the template in Python for every match (four times slower).
    """
    return "".join(_DECIMAL_MARK.split(text)) if "\\u0000" in text else text


def dumps_plain(value: Any) -> str:
    """``dumps(value)`` for a document of plain JSON values, written by pydantic-core when it can be.

    ``pydantic_core.to_json`` writes strings, integers, booleans, null, lists and objects with string
    keys exactly as the compact stdlib encoder does here (no whitespace, non-ASCII as it is, the same
    escapes), and floats too as long as ``repr`` writes them without an exponent (it writes ``1e-05``,
    pydantic-core ``0.00001``).  Anything else — Decimals above all, which it would write as strings —
    sends the whole document through ``dumps``.  Three times faster for a trace line.
    """
    if _plain(value):
        try:
            return to_json(value).decode("utf-8")
        except ValueError:  # e.g. a lone surrogate: let ``dumps`` do what it always did
            pass
    return dumps(value)


_PLAIN_SCALARS = frozenset({str, int, bool, type(None)})
_REPR_WITHOUT_EXPONENT = (1e-4, 1e16)
"""``repr`` of a float writes an exponent below 1e-4 and from 1e16 (in magnitude)."""


def _plain(value: Any) -> bool:
    """Whether ``to_json`` writes ``value`` exactly as ``dumps`` (exact types only: no subclasses).

    Plain loops rather than ``all(...)``: most containers hold a handful of strings, and a generator per
    container would cost more than the check."""
    kind = type(value)
    if kind in _PLAIN_SCALARS:
        return True
    if kind is float:
        low, high = _REPR_WITHOUT_EXPONENT
        return bool(value == 0.0 or low <= abs(value) < high)  # NaN and infinities fail both
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (type(item) is not str and not _plain(item)):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:  # noqa: SIM110 - see the docstring
            if type(item) is not str and not _plain(item):
                return False
        return True
    return False


WIRE_CONTEXT = object()
"""Serialisation context asking ``wire_decimal`` for marked Decimals (see ``sim.ocpi.modeljson``)."""


def wire_decimal(value: Decimal, info: SerializationInfo) -> Any:
    """A Decimal in JSON-mode serialisation: under ``WIRE_CONTEXT`` the same marked string the stdlib
    encoder gets (``unmark`` turns it into the exact number); otherwise the Decimal, which pydantic then
    writes as it always does."""
    if info.context is not WIRE_CONTEXT:
        return value
    if not value.is_finite():
        raise ValueError(f"{value} cannot be written as a JSON number")
    return f"\0{value:f}\0"


def loads(text: str | bytes) -> Any:
    """Parse JSON with non-integer numbers as ``Decimal``; raises ``ValueError`` on invalid JSON.

    What ``json.loads(text, parse_float=Decimal, parse_constant=...)`` does, with the decoder built
    once instead of on every call (it keeps no state between documents).
    """
    if isinstance(text, str):
        if text.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    else:
        # ``detect_encoding`` answers UTF-8 for a document opening with ``{`` not followed by a NUL (no
        # BOM, not UTF-16/32): every body and envelope here, without its Python-level checks.
        utf8 = text[:1] == b"{" and text[1:2] != b"\x00"
        text = text.decode("utf-8" if utf8 else json.detect_encoding(text), "surrogatepass")
    return _DECODER.decode(text)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant)


class UnreadableText(ValueError):
    """A file that cannot be read as UTF-8 text (or, from ``read_json_file``, is not JSON).

    The message is one line saying why, without the file name (callers put it where they want it).
    """


def read_text_file(path: Path, what: str = "file") -> str:
    """The UTF-8 text of ``path``; ``UnreadableText`` says why not (``what`` names the expected kind)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UnreadableText("no such file") from None
    except IsADirectoryError:
        raise UnreadableText(f"is a directory, not a {what}") from None
    except UnicodeDecodeError:
        raise UnreadableText("not UTF-8 text") from None
    except OSError as exc:
        raise UnreadableText(f"cannot read ({exc.strerror})") from None


def read_json_file(path: Path) -> Any:
    """The JSON document in ``path`` (non-integer numbers as Decimal); ``UnreadableText`` says why not."""
    text = read_text_file(path, "JSON file")
    try:
        return loads(text)
    except ValueError as exc:
        raise UnreadableText(f"not valid JSON ({exc})") from None
