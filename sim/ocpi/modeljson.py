"""The wire JSON of an OCPI model written by pydantic-core instead of ``dumps(model.to_wire())``.

``OCPIModel.to_json`` (and every body a party sends or answers with) is ``dumps(to_wire())``: pydantic
builds a dict of Python values, then the stdlib encoder walks it again, calling back into Python for
every Decimal.  ``model_dump_json`` does both walks in compiled code.  It gives the very same text
when the model holds only values whose JSON form cannot differ between the two routes:

* strings, integers, booleans, str/int enums, lists and nested models — written alike (compact
  separators, key order of the fields, non-ASCII characters as they are, the same escapes);
* Decimals (OCPI ``Number``) — pydantic would write them as strings; under ``WIRE_CONTEXT`` their
  serializer returns the same NUL-marked string the stdlib route makes, and ``unmark`` turns both into
  the exact number;
* DateTimes — their serializer returns the OCPI text in both routes.

``compiled`` checks a model class once, by walking its core schema: any other kind of value (floats,
``Any``, dicts, unions, custom serializers) sends the class down the stdlib route.  An error on the
compiled route also falls back, so a model that cannot be written fails exactly as it always did.
A self-check on first use compares both routes on a sample model; if this pydantic writes anything
differently, every model takes the stdlib route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from sim.ocpi.wirejson import WIRE_CONTEXT, dumps, unmark, wire_decimal

_PLAIN_LEAVES = frozenset({"str", "int", "bool"})
_WRAPPERS = {"default": "schema", "nullable": "schema", "function-after": "schema", "function-before": "schema"}
"""Schema kinds that serialise as the schema they wrap (validators do not change how a value is written)."""
_checked: dict[type[BaseModel], bool] = {}
_self_check: list[bool] = []


def model_json(model: BaseModel) -> str:
    """``dumps(model.model_dump(mode="python", exclude_none=True))``, the wire JSON of an OCPI model."""
    if compiled(type(model)):
        try:
            return unmark(model.model_dump_json(exclude_none=True, context=WIRE_CONTEXT))
        except Exception:  # the stdlib route below raises what it always raised
            pass
    return dumps(model.model_dump(mode="python", exclude_none=True))


def compiled(cls: type[BaseModel]) -> bool:
    """Whether ``model_dump_json`` writes instances of ``cls`` exactly as the stdlib route (checked once)."""
    found = _checked.get(cls)
    if found is None:
        if not _self_check:
            _self_check.append(_routes_agree())
        found = _checked[cls] = _self_check[0] and writes_alike(cls.__pydantic_core_schema__)
    return found


def writes_alike(schema: Any) -> bool:
    """Whether every value a core schema serialises is written alike by both routes (see module docstring)."""
    definitions: dict[str, Any] = {}
    visiting: set[str] = set()

    def alike(node: Any) -> bool:
        if not isinstance(node, dict):
            return False
        kind = node.get("type")
        serialization = node.get("serialization")
        if serialization is not None:
            return _known_serializer(serialization)
        if kind in _PLAIN_LEAVES:
            return True
        if kind == "enum":
            return node.get("sub_type") in ("str", "int")
        if kind in _WRAPPERS:
            return alike(node.get(_WRAPPERS[kind]))
        if kind == "list":
            return alike(node.get("items_schema"))
        if kind == "model":
            return alike(node.get("schema"))
        if kind == "model-fields":
            if node.get("computed_fields") or node.get("extras_schema") is not None:
                return False
            return all(alike(field.get("schema")) for field in node.get("fields", {}).values())
        if kind == "definitions":
            for definition in node.get("definitions", []):
                definitions[str(definition.get("ref"))] = definition
            return alike(node.get("schema"))
        if kind == "definition-ref":
            ref = str(node.get("schema_ref"))
            if ref in visiting:
                return True  # being checked further up: a recursive model is as alike as the rest of it
            target = definitions.get(ref)
            if target is None:
                return False
            visiting.add(ref)
            return alike({key: value for key, value in target.items() if key != "ref"})
        return False

    return alike(schema)


def _known_serializer(serialization: dict[str, Any]) -> bool:
    """The Decimal marker, or an OCPI DateTime's formatter (which returns the text in both routes)."""
    if serialization.get("type") != "function-plain":
        return False
    function: Callable[..., Any] | None = serialization.get("function")
    if function is wire_decimal:
        return bool(serialization.get("info_arg"))
    qualname = getattr(function, "__qualname__", "")
    return (
        getattr(function, "__module__", None) == "sim.ocpi.common"
        and qualname.startswith("OCPIDateTime.")
        and serialization.get("when_used", "always") == "always"
    )


def _routes_agree() -> bool:
    """Both routes on a model with every kind of value ``writes_alike`` accepts."""
    from datetime import UTC, datetime
    from decimal import Decimal
    from enum import StrEnum

    from sim.ocpi.common import DateTime221, Number, OCPIModel

    class Kind(StrEnum):
        A = "A"

    class Inner(OCPIModel):
        price: Number
        names: list[str]

    class Sample(OCPIModel):
        text: str
        count: int
        flag: bool
        kind: Kind
        at: DateTime221
        amount: Number
        negative: Number
        whole: Number
        missing: str | None = None
        inner: list[Inner]

    sample = Sample(
        text='é "q" \\ \n\t\u2028😀',
        count=-12,
        flag=False,
        kind=Kind.A,
        at=datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=UTC),
        amount=Decimal("0.10"),
        negative=Decimal("-2.5E+3"),
        whole=Decimal("7"),
        inner=[Inner(price=Decimal("1.000"), names=["x", ""])],
    )
    try:
        fast = unmark(sample.model_dump_json(exclude_none=True, context=WIRE_CONTEXT))
    except Exception:  # pragma: no cover - a pydantic that cannot do it
        return False
    return writes_alike(Sample.__pydantic_core_schema__) and fast == dumps(
        sample.model_dump(mode="python", exclude_none=True)
    )


__all__ = ["compiled", "model_json", "writes_alike"]
