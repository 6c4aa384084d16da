"""OCPI 2.1.1 wire models, one module per OCPI module (Locations' enums apart) plus the basic types.

``MODULES`` lists the modules in type auto-detection priority; ``model_classes()`` flattens their
``__all__`` lists into the wire-object classes (enums left out), in that same order.
"""

from __future__ import annotations

from types import ModuleType

from sim.ocpi.common import OCPIModel, collect_model_classes
from sim.ocpi.v211 import (
    cdrs,
    commands,
    credentials,
    locations,
    locations_enums,
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
    locations_enums,
    sessions,
    cdrs,
    tariffs,
    tokens,
    commands,
    types,
)


def model_classes() -> list[type[OCPIModel]]:
    """Every wire-object class of this version, in ``MODULES`` (detection priority) order."""
    return collect_model_classes(MODULES)


__all__ = [  # noqa: RUF022 - module order is meaningful
    "MODULES",
    "model_classes",
    "versions",
    "credentials",
    "locations",
    "locations_enums",
    "sessions",
    "cdrs",
    "tariffs",
    "tokens",
    "commands",
    "types",
]
