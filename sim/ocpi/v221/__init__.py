"""OCPI 2.2.1 wire models (pydantic), one module per OCPI module.

``MODULES`` lists the modules in type-detection priority order; ``model_classes()`` lists every wire
object class they define, in that same order (main objects before their sub-objects).
"""

from __future__ import annotations

from types import ModuleType

from sim.ocpi.common import OCPIModel
from sim.ocpi.v221 import (
    cdrs,
    chargingprofiles,
    commands,
    credentials,
    hubclientinfo,
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
    chargingprofiles,
    hubclientinfo,
    types,
)


def model_classes() -> list[type[OCPIModel]]:
    """Every OCPIModel subclass named in the ``__all__`` of each module of ``MODULES``, each once."""
    found: list[type[OCPIModel]] = []
    for module in MODULES:
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type) and issubclass(obj, OCPIModel) and obj not in found:
                found.append(obj)
    return found


__all__ = ["MODULES", "model_classes"]
