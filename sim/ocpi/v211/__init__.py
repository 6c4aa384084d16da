"""OCPI 2.1.1 wire models, one module per OCPI module plus the basic types.

``MODULES`` lists the modules in type auto-detection priority; ``model_classes()`` flattens their
``__all__`` lists into the wire-object classes (enums left out), in that same order.
"""

from __future__ import annotations

from types import ModuleType

from sim.ocpi.common import OCPIModel
from sim.ocpi.v211 import (
    cdrs,
    commands,
    credentials,
    locations,
    sessions,
    tariffs,
    tokens,
    types,
    versions,
)

MODULES: tuple[ModuleType, ...] = (
    versions,
    credentials,
    locations,
    sessions,
    cdrs,
    tariffs,
    tokens,
    commands,
    types,
)


def model_classes() -> list[type[OCPIModel]]:
    """Every OCPIModel class named in the modules' ``__all__``, in ``MODULES`` order, each once."""
    found: list[type[OCPIModel]] = []
    for module in MODULES:
        for name in module.__all__:
            candidate = getattr(module, name)
            if isinstance(candidate, type) and issubclass(candidate, OCPIModel) and candidate not in found:
                found.append(candidate)
    return found


__all__ = [  # noqa: RUF022 - module order is meaningful
    "MODULES",
    "model_classes",
    "versions",
    "credentials",
    "locations",
    "sessions",
    "cdrs",
    "tariffs",
    "tokens",
    "commands",
    "types",
]
