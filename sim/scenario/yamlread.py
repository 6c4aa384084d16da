"""Reading a scenario's YAML the way its author means it, and saying where it is broken.

Two departures from PyYAML's ``safe_load``, both for typos that would otherwise pass silently:

* ``17:00`` (unquoted) stays the string ``"17:00"``: YAML 1.1 reads it as the base-60 integer 1020,
  which as an instant would mean 17 minutes after the start instead of five in the afternoon;
* a key written twice in one mapping is an error (YAML would keep the last one without a word).

Syntax errors come back as ``line L, column C: reason`` (counted from 1).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
# PyYAML's own int and float patterns without their base-60 (``1:30``) alternatives.
_INT_PATTERN = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
_FLOAT_PATTERN = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


class ScenarioYAMLLoader(yaml.SafeLoader):
    """``SafeLoader`` without base-60 numbers and with duplicate keys rejected."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, refusing a key that occurs twice."""
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the base class reports it
                continue
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first at line {first + 1})", key_node.start_mark
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


ScenarioYAMLLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in (_INT, _FLOAT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ScenarioYAMLLoader.add_implicit_resolver(_INT, _INT_PATTERN, list("-+0123456789"))
ScenarioYAMLLoader.add_implicit_resolver(_FLOAT, _FLOAT_PATTERN, list("-+0123456789."))


class YAMLSyntaxError(ValueError):
    """The text is not YAML; ``where`` is ``line L, column C`` (or empty) and ``reason`` says why."""

    def __init__(self, where: str, reason: str) -> None:
        self.where, self.reason = where, reason
        super().__init__(f"{where}: {reason}" if where else reason)


def read_yaml(text: str) -> Any:
    """Parse one YAML document with ``ScenarioYAMLLoader``; ``YAMLSyntaxError`` says where it breaks."""
    try:
        return yaml.load(text, Loader=ScenarioYAMLLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        reason = exc.problem or exc.context or "not valid YAML"
        if exc.context and exc.problem and exc.context_mark is not None and exc.context_mark is not mark:
            reason += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise YAMLSyntaxError(where, reason) from None
    except yaml.YAMLError as exc:
        raise YAMLSyntaxError("", f"not valid YAML ({exc})") from None
