"""Check JSON documents against the OCPI wire models and say precisely what is wrong.

A document may be one object, a list of objects, a full response envelope
(``{data, status_code, status_message, timestamp}``) or — as the spec prints many examples — an
object wrapped in the name of the field that holds it (``{"energy_mix": {...}}``).

Type detection (``type_name="auto"``) tries every object and sub-object class of the version and
keeps the one that explains the document best:

1. a full object that validates with no error and no unknown field (ties: the module order of the
   version package, e.g. ``GeoLocation`` before ``AdditionalGeoLocation``; the others are reported
   as "also matches");
2. else a partial (PATCH) object that does so — unless the document carries more than half of the
   required fields of a full object and nothing unknown to it: then it is that object, incomplete;
3. else, for a one-key object whose key names a sub-object field (``energy_mix``), that sub-object;
4. else the closest explanation: fewest unknown fields, then full objects that carry more than half
   of their required fields, then PATCH forms, then the rest; then fewest errors.

Unknown fields are warnings — OCPI receivers are meant to be tolerant readers — and errors when
``strict`` is set.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.ocpi import v211, v221
from sim.ocpi.common import OCPIModel, OCPIVersion, parse_datetime
from sim.ocpi.wirejson import UnreadableText, dumps, read_json_file

ENVELOPE_KEYS = frozenset({"data", "status_code", "status_message", "timestamp"})
LOOKS_FULL_RATIO = 0.5


class Severity(StrEnum):
    """How bad an issue is."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """One finding: where in the document (a JSON path like ``connectors[0].power_type``) and why."""

    path: str
    message: str
    severity: Severity

    def display_path(self) -> str:
        """The path, or ``(document)`` for the whole document."""
        return self.path or "(document)"


@dataclass
class Verdict:
    """The outcome for one document."""

    source: str
    version: OCPIVersion
    type_name: str | None
    shape: str
    issues: list[Issue] = field(default_factory=list)
    also_matches: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        """Issues that make the document invalid."""
        return [issue for issue in self.issues if issue.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        """Issues worth knowing that do not make it invalid."""
        return [issue for issue in self.issues if issue.severity is Severity.WARNING]

    @property
    def valid(self) -> bool:
        """True when there is no error."""
        return not self.errors

    def to_json_dict(self) -> dict[str, Any]:
        """A stable JSON form for ``--format json``."""
        return {
            "file": self.source,
            "version": self.version.value,
            "valid": self.valid,
            "type": self.type_name,
            "shape": self.shape,
            "also_matches": self.also_matches,
            "errors": [{"path": i.path, "message": i.message} for i in self.errors],
            "warnings": [{"path": i.path, "message": i.message} for i in self.warnings],
        }


class UnreadableDocument(Exception):
    """The file cannot be read or is not JSON."""


class UnknownTypeName(Exception):
    """``--type`` names no class of the version."""


def model_classes(version: OCPIVersion) -> list[type[OCPIModel]]:
    """Every object and sub-object class of a version, in detection priority order."""
    if version is OCPIVersion.V2_1_1:
        return v211.model_classes()
    return v221.model_classes()


def resolve_type(name: str, version: OCPIVersion) -> type[OCPIModel]:
    """Look up a class by spec name (case-insensitive); ``UnknownTypeName`` lists the choices."""
    classes = model_classes(version)
    for cls in classes:
        if cls.__name__.lower() == name.lower():
            return cls
    known = ", ".join(sorted(cls.__name__ for cls in classes))
    raise UnknownTypeName(f"OCPI {version.value} has no type {name!r}; known types: {known}")


# --- the checks ---------------------------------------------------------------------------------


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _json_preview(value: Any) -> str:
    text = dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _pydantic_issues(error: ValidationError, prefix: str) -> list[Issue]:
    issues = []
    for detail in error.errors(include_url=False):
        path = prefix
        for part in detail["loc"]:
            path = _join(path, part)
        kind, message = detail["type"], str(detail["msg"])
        if kind == "missing":
            message = "required field missing"
        elif kind == "value_error":
            message = message.removeprefix("Value error, ")
        elif not kind.startswith("ocpi_") and not isinstance(detail.get("input"), (dict, list)):
            message = f"{message}, got {_json_preview(detail.get('input'))}"
        issues.append(Issue(path, message, Severity.ERROR))
    return issues


def _nested_models(annotation: Any, value: Any, path: str) -> Iterator[tuple[type[BaseModel], Any, str]]:
    """Sub-objects inside ``value`` according to a field annotation (through Optional/list/Annotated)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from _nested_models(typing.get_args(annotation)[0], value, path)
    elif origin in (typing.Union, types.UnionType):
        for member in typing.get_args(annotation):
            if member is not type(None):
                yield from _nested_models(member, value, path)
    elif origin is list and isinstance(value, list):
        (item_type,) = typing.get_args(annotation)
        for index, item in enumerate(value):
            yield from _nested_models(item_type, item, _join(path, index))
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(value, dict):
        yield annotation, value, path


def unknown_fields(model: type[BaseModel], data: Any, path: str, version: OCPIVersion) -> list[Issue]:
    """Keys in ``data`` (recursively) that the model does not define, as warnings."""
    if not isinstance(data, dict):
        return []
    issues = []
    for key, value in data.items():
        key_path = _join(path, str(key))
        info = model.model_fields.get(key)
        if info is None:
            message = f"unknown field (not part of OCPI {version.value} {model.__name__})"
            issues.append(Issue(key_path, message, Severity.WARNING))
            continue
        for sub_model, sub_value, sub_path in _nested_models(info.annotation, value, key_path):
            issues.extend(unknown_fields(sub_model, sub_value, sub_path, version))
    return issues


@dataclass
class _Attempt:
    cls: type[OCPIModel]
    errors: list[Issue]
    unknown: list[Issue]
    required_ratio: float

    @property
    def clean(self) -> bool:
        return not self.errors and not self.unknown


def _required_ratio(cls: type[OCPIModel], data: Any) -> float:
    required = [name for name, info in cls.model_fields.items() if info.is_required()]
    if not required or not isinstance(data, dict):
        return 1.0
    return sum(name in data for name in required) / len(required)


def _attempt(cls: type[OCPIModel], items: list[Any], paths: list[str], version: OCPIVersion) -> _Attempt:
    errors: list[Issue] = []
    unknown: list[Issue] = []
    ratios = []
    for item, path in zip(items, paths, strict=True):
        if not isinstance(item, dict):
            errors.append(Issue(path, f"expected an object, got {_json_preview(item)}", Severity.ERROR))
            ratios.append(0.0)
            continue
        try:
            cls.model_validate(item)
        except ValidationError as exc:
            errors.extend(_pydantic_issues(exc, path))
        unknown.extend(unknown_fields(cls, item, path, version))
        ratios.append(_required_ratio(cls, item))
    return _Attempt(cls, errors, unknown, min(ratios, default=1.0))


def _wrapper_field_type(key: str, version: OCPIVersion) -> type[OCPIModel] | None:
    """The sub-object class a field called ``key`` holds in any model of the version."""
    for cls in model_classes(version):
        info = cls.model_fields.get(key)
        if info is None:
            continue
        for sub_model, _, _ in _nested_models(info.annotation, {}, ""):
            if issubclass(sub_model, OCPIModel):
                return sub_model
    return None


def _looks_full(attempt: _Attempt) -> bool:
    """A full-object reading that recognises every key and finds most required fields present.

    Such a document is an incomplete object, not a PATCH body, even where the PATCH form (which has
    no required fields in 2.1.1) would accept it.
    """
    return not attempt.cls.ocpi_patch and not attempt.unknown and attempt.required_ratio > LOOKS_FULL_RATIO


def _detect(items: list[Any], paths: list[str], version: OCPIVersion) -> tuple[_Attempt, list[str]]:
    attempts = [_attempt(cls, items, paths, version) for cls in model_classes(version)]
    clean_full = [a for a in attempts if a.clean and not a.cls.ocpi_patch]
    clean_patch = [a for a in attempts if a.clean and a.cls.ocpi_patch]
    full_names = [a.cls.__name__ for a in clean_full]
    # A full object always satisfies its own PATCH form too; naming that would only be noise.
    alternatives = full_names + [
        a.cls.__name__ for a in clean_patch if a.cls.__name__.removesuffix("Patch") not in full_names
    ]
    if clean_full:
        return clean_full[0], alternatives[1:4]
    if clean_patch and not any(_looks_full(a) for a in attempts):
        return clean_patch[0], alternatives[1:4]

    def closeness(attempt: _Attempt) -> tuple[int, int, int]:
        if attempt.cls.ocpi_patch:
            category = 1
        elif attempt.required_ratio > LOOKS_FULL_RATIO:
            category = 0
        else:
            category = 2
        return (len(attempt.unknown), category, len(attempt.errors))

    return min(attempts, key=closeness), []


def _check_items(
    items: list[Any], paths: list[str], version: OCPIVersion, model: type[OCPIModel] | None
) -> tuple[_Attempt, list[str]]:
    if model is not None:
        return _attempt(model, items, paths, version), []
    return _detect(items, paths, version)


def _unwrap(data: Any, version: OCPIVersion, model: type[OCPIModel] | None) -> tuple[str, Any, type[OCPIModel]] | None:
    """``(key, inner, class)`` when ``data`` is a sub-object wrapped in its field name."""
    if not isinstance(data, dict) or len(data) != 1:
        return None
    ((key, inner),) = data.items()
    if not isinstance(inner, (dict, list)):
        return None
    inner_type = _wrapper_field_type(key, version)
    if inner_type is None or (model is not None and inner_type is not model):
        return None
    return key, inner, inner_type


def _check_payload(
    data: Any, prefix: str, version: OCPIVersion, model: type[OCPIModel] | None
) -> tuple[str | None, str, list[Issue], list[str]]:
    """Check an object or list of objects; returns (type, shape, issues, also-matches)."""
    if isinstance(data, list):
        if not data:
            return None, "empty list", [], []
        paths = [_join(prefix, index) for index in range(len(data))]
        attempt, also = _check_items(data, paths, version, model)
        return attempt.cls.__name__, f"list of {len(data)}", attempt.errors + attempt.unknown, also
    if not isinstance(data, dict):
        issue = Issue(prefix, f"expected an OCPI object or list, got {_json_preview(data)}", Severity.ERROR)
        return None, "value", [issue], []
    attempt, also = _check_items([data], [prefix], version, model)
    if not attempt.clean:
        wrapped = _unwrap(data, version, model)
        if wrapped is not None:
            key, inner, inner_type = wrapped
            inner_type_name, inner_shape, issues, _ = _check_payload(inner, _join(prefix, key), version, inner_type)
            if not any(issue.severity is Severity.ERROR for issue in issues) or model is None:
                return inner_type_name, f"{inner_shape} wrapped in {key!r}", issues, []
    return attempt.cls.__name__, "object", attempt.errors + attempt.unknown, also


def _envelope_issues(document: dict[str, Any], version: OCPIVersion) -> list[Issue]:
    issues = []
    code = document.get("status_code")
    if code is None:
        issues.append(Issue("status_code", "required field missing", Severity.ERROR))
    elif isinstance(code, bool) or not isinstance(code, int) or not 1000 <= code <= 4999:
        issues.append(Issue("status_code", f"must be a four-digit OCPI status code, got {code!r}", Severity.ERROR))
    stamp = document.get("timestamp")
    if stamp is None:
        issues.append(Issue("timestamp", "required field missing", Severity.ERROR))
    elif not isinstance(stamp, str):
        issues.append(Issue("timestamp", f"must be an OCPI DateTime string, got {stamp!r}", Severity.ERROR))
    else:
        try:
            parse_datetime(stamp, version)
        except ValueError as exc:
            issues.append(Issue("timestamp", str(exc), Severity.ERROR))
    message = document.get("status_message")
    if message is not None and not isinstance(message, str):
        issues.append(Issue("status_message", "must be a string", Severity.ERROR))
    return issues


def is_envelope(document: Any) -> bool:
    """Whether a document is a response envelope rather than an OCPI object."""
    return (
        isinstance(document, dict)
        and "status_code" in document
        and "timestamp" in document
        and set(document) <= ENVELOPE_KEYS
    )


def validate_document(
    document: Any,
    *,
    version: OCPIVersion,
    type_name: str = "auto",
    strict: bool = False,
    source: str = "<document>",
) -> Verdict:
    """Check a parsed JSON document (numbers as Decimal); see the module docstring for the rules."""
    model = None if type_name.lower() == "auto" else resolve_type(type_name, version)
    if is_envelope(document):
        issues = _envelope_issues(document, version)
        if "data" in document and document["data"] is not None:
            found, shape, data_issues, also = _check_payload(document["data"], "data", version, model)
            issues += data_issues
            shape = f"response envelope with {shape}"
        else:
            found, shape, also = None, "response envelope without data", []
    else:
        found, shape, issues, also = _check_payload(document, "", version, model)
    if strict:
        issues = [Issue(i.path, i.message, Severity.ERROR) for i in issues]
    return Verdict(source=source, version=version, type_name=found, shape=shape, issues=issues, also_matches=also)


def validate_file(path: Path, *, version: OCPIVersion, type_name: str = "auto", strict: bool = False) -> Verdict:
    """Read and check one file; raises ``UnreadableDocument`` with a one-line reason."""
    try:
        document = read_json_file(path)
    except UnreadableText as exc:
        raise UnreadableDocument(f"{path}: {exc}") from None
    return validate_document(document, version=version, type_name=type_name, strict=strict, source=str(path))
