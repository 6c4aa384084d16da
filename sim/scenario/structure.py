"""Schema (pydantic) errors of a scenario, as ``path.in.doc: reason`` the author can act on.

Pydantic names places by its own internals: union members (``GeneratedLocations``, tags,
``dict[str-enum[DriverProfile],float]``) and ``[key]`` markers appear in its locations.  Here the
location is walked along the schema's types so only what the author wrote remains
(``parties[0].locations[1].count``); a union the input matched none of is one problem listing what
would fit, and when one member got further than the others (the author evidently meant it) only its
errors are kept.  Unknown keys suggest the nearest known one.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel, Tag, ValidationError
from pydantic_core import ErrorDetails

from sim.scenario.problems import Findings, join
from sim.scenario.schema import Scenario

_KEY_MARKER = "[key]"


@dataclass(frozen=True)
class _Place:
    parts: tuple[str | int, ...]
    owner: type[BaseModel] | None
    """The model holding the last part (for suggesting keys)."""
    union: tuple[tuple[str | int, ...], str] | None
    """(parts up to the union, the member pydantic tried) for errors inside a union."""

    @property
    def path(self) -> str:
        path = ""
        for part in self.parts:
            path = join(path, part)
        return path


def _unwrap(annotation: Any) -> Any:
    """Through ``Annotated`` and ``X | None`` to the type that shapes the input."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [m for m in typing.get_args(annotation) if m is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _member(union: Any, label: str) -> Any:
    """The member of ``union`` that pydantic labels ``label`` in an error location."""
    for member in typing.get_args(union):
        if typing.get_origin(member) is typing.Annotated:
            if any(isinstance(meta, Tag) and meta.tag == label for meta in typing.get_args(member)[1:]):
                return member
            member = typing.get_args(member)[0]
        if isinstance(member, type) and member.__name__ == label:
            return member
        origin = typing.get_origin(member)
        if origin is not None and label.startswith(f"{origin.__name__}["):
            return member
        if isinstance(member, type) and issubclass(member, Enum) and label.endswith(f"[{member.__name__}]"):
            return member
    return Any


def _field(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (info.alias, name):
            return info.annotation
    return None


def locate(loc: tuple[str | int, ...], root: type[BaseModel] = Scenario) -> _Place:
    """Walk an error location along the schema: the author's path, its model and union step."""
    annotation: Any = root
    parts: list[str | int] = []
    owner: type[BaseModel] | None = None
    union: tuple[tuple[str | int, ...], str] | None = None
    for item in loc:
        annotation = _unwrap(annotation)
        if item == _KEY_MARKER:
            continue
        if _is_union(annotation) and isinstance(item, str):
            if union is None:
                union = (tuple(parts), item)
            annotation = _member(annotation, item)
            continue
        parts.append(item)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            owner = annotation
            annotation = _field(annotation, str(item))
        else:
            owner = None
            args = typing.get_args(annotation)
            annotation = args[-1] if args else Any
    return _Place(tuple(parts), owner, union)


def _keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _got(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return ""
    text = repr(value)
    return f", got {text if len(text) <= 40 else text[:37] + '...'}"


def reason(detail: ErrorDetails, place: _Place) -> str:
    """One error in words."""
    kind = detail["type"]
    message = str(detail["msg"])
    if kind == "missing":
        return "missing (required)"
    if kind == "extra_forbidden":
        key = str(place.parts[-1]) if place.parts else ""
        known = _keys(place.owner) if place.owner is not None else []
        near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        if near:
            return f"unknown key (did you mean {near[0]!r}?)"
        return f"unknown key (known keys: {', '.join(known)})" if known else "unknown key"
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    if kind == "location_source":
        given = detail.get("input")
        keys = ", ".join(str(key) for key in given) if isinstance(given, dict) else ""
        return f"{message} (got {keys})" if keys else message + _got(given)
    message = message[0].lower() + message[1:] if message else message
    return message + _got(detail.get("input"))


def _merge_unions(items: list[tuple[_Place, ErrorDetails]]) -> list[tuple[str, str]]:
    """Collapse the member-by-member errors of each union into what the author needs to read."""
    groups: dict[tuple[str | int, ...], list[tuple[_Place, ErrorDetails]]] = {}
    for place, detail in items:
        if place.union is not None:
            groups.setdefault(place.union[0], []).append((place, detail))
    result: list[tuple[str, str]] = []
    done: set[tuple[str | int, ...]] = set()
    for place, detail in items:
        if place.union is None or len({p.union for p, _ in groups[place.union[0]]}) < 2:
            result.append((place.path, reason(detail, place)))
            continue
        head = place.union[0]
        if head in done:
            continue
        done.add(head)
        group = groups[head]
        deeper = [p for p, _ in group if len(p.parts) > len(head)]
        if deeper:  # the member whose errors go deepest is the one the author meant
            best = max(deeper, key=lambda p: len(p.parts)).union
            result += [(p.path, reason(d, p)) for p, d in group if p.union == best]
        else:
            texts = [reason(d, p).split(", got ")[0].removeprefix("input should be ") for p, d in group]
            path = _Place(head, None, None).path
            result.append((path, "should be " + ", or ".join(texts) + _got(group[0][1].get("input"))))
    return result


def record_schema_errors(error: ValidationError, findings: Findings) -> None:
    """Every schema error of the scenario, as problems."""
    items = [(locate(tuple(detail["loc"])), detail) for detail in error.errors(include_url=False)]
    seen: set[tuple[str, str]] = set()
    for path, text in _merge_unions(items):
        if (path, text) not in seen:
            seen.add((path, text))
            findings.error(path, text)
