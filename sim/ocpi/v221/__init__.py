"""OCPI 2.2.1 wire models (pydantic), one module per OCPI module (Locations' enums apart).

``MODULES`` lists the modules in type-detection priority order; ``model_classes()`` lists every wire
object class they define, in that same order (main objects before their sub-objects).
"""

from __future__ import annotations

from types import ModuleType

from sim.ocpi.common import OCPIModel, collect_model_classes
from sim.ocpi.v221 import (
    cdrs,
    chargingprofiles,
    commands,
    credentials,
    hubclientinfo,
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
    chargingprofiles,
    hubclientinfo,
    types,
)


def model_classes() -> list[type[OCPIModel]]:
    """Every wire-object class of this version, in ``MODULES`` (detection priority) order."""
    return collect_model_classes(MODULES)


__all__ = ["MODULES", "model_classes"]
