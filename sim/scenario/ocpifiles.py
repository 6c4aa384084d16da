"""OCPI JSON written by other systems, read as it is: one object, a list, or a response envelope.

Real files break OCPI 2.2.1 in small ways — a TAB in an address, line breaks in a tariff's text
(strings may hold no control characters) — so ``checked`` turns control characters into spaces and
says where, and reports an object that still does not validate instead of failing the whole file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from sim.ocpi.common import OCPIModel
from sim.ocpi.validation import is_envelope
from sim.ocpi.wirejson import UnreadableText, read_json_file
from sim.scenario.problems import join

# C0, DEL and C1 control characters: forbidden in every OCPI 2.2.1 string.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
Model = TypeVar("Model", bound=OCPIModel)


class UnreadableFile(Exception):
    """A JSON file that cannot be read or holds no OCPI objects; the message says why."""


def read_objects(file: str, base_dir: Path) -> list[tuple[str, Any]]:
    """``(place in the file, raw object)`` for each object of ``file`` (relative to ``base_dir``)."""
    full = Path(file) if Path(file).is_absolute() else base_dir / file
    try:
        document = read_json_file(full)
    except UnreadableText as exc:
        reason = str(exc)
        if reason == "no such file":
            raise UnreadableFile(f"no such file {file!r} (looked for {full})") from None
        if reason.startswith("not valid JSON"):
            raise UnreadableFile(f"{file!r} is {reason}") from None
        raise UnreadableFile(f"cannot read {file!r}: {reason}") from None
    prefix, data = ("data", document.get("data")) if is_envelope(document) else ("", document)
    if isinstance(data, list):
        return [(join(prefix, index), item) for index, item in enumerate(data)]
    if isinstance(data, dict):
        return [(prefix or "(object)", data)]
    if data is None and prefix:
        return []
    raise UnreadableFile(f"{file!r} holds no OCPI object, list or response envelope")


def scrub(value: Any, path: str = "") -> tuple[Any, list[str]]:
    """``value`` with control characters in its strings replaced by spaces, and where that happened."""
    changed: list[str] = []

    def walk(item: Any, where: str) -> Any:
        if isinstance(item, str):
            if _CONTROL.search(item):
                changed.append(where)
                return _CONTROL.sub(" ", item)
            return item
        if isinstance(item, list):
            return [walk(element, join(where, index)) for index, element in enumerate(item)]
        if isinstance(item, dict):
            return {key: walk(element, join(where, str(key))) for key, element in item.items()}
        return item

    return walk(value, path), changed


def ocpi_issues(error: ValidationError, prefix: str = "") -> list[str]:
    """A wire-model validation error as ``path: reason`` texts."""
    issues = []
    for detail in error.errors(include_url=False):
        path = prefix
        for part in detail["loc"]:
            path = join(path, part)
        kind, message = detail["type"], str(detail["msg"]).removeprefix("Value error, ")
        if kind == "missing":
            message = "required field missing"
        elif not kind.startswith("ocpi_") and kind != "value_error":
            message = message[:1].lower() + message[1:]
            if not isinstance(detail.get("input"), (dict, list)):
                message += f", got {detail.get('input')!r}"
        issues.append(f"{path or '(object)'}: {message}")
    return issues


def describe(place: str, raw: Any, kind: str) -> str:
    """``data[3] (location 'ABC')``: where an object is, and its id when it has one."""
    identifier = raw.get("id") if isinstance(raw, dict) else None
    return f"{place} ({kind} {identifier!r})" if isinstance(identifier, str) else place


def checked(model: type[Model], raw: Any, where: str) -> tuple[Model | None, list[str]]:
    """The object as ``model`` after scrubbing (``None`` if it still fails), and warnings about it."""
    if not isinstance(raw, dict):
        return None, [f"{where}: skipped, not a JSON object"]
    clean, changed = scrub(raw)
    warnings = [f"{where}: control characters replaced by spaces in {', '.join(changed)}"] if changed else []
    try:
        return model.model_validate(clean), warnings
    except ValidationError as exc:
        issues = ocpi_issues(exc)
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        warnings.append(f"{where}: skipped, not a valid OCPI 2.2.1 {model.__name__}: {issues[0]}{more}")
        return None, warnings
