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
    text = (_COMPACT if indent is None else _encoder(indent)).encode(value)
    return _DECIMAL_MARK.sub(r"\1", text) if "\\u0000" in text else text


def loads(text: str | bytes) -> Any:
    """Parse JSON with non-integer numbers as ``Decimal``; raises ``ValueError`` on invalid JSON.

    What ``json.loads(text, parse_float=Decimal, parse_constant=...)`` does, with the decoder built
    once instead of on every call (it keeps no state between documents).
    """
    if isinstance(text, str):
        if text.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    else:
        text = text.decode(json.detect_encoding(text), "surrogatepass")
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
