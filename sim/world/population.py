"""A population of drivers: ``make_drivers`` turns a scenario's ``drivers`` of one eMSP into ``Driver``s.

Each driver is named ``{emsp}/d0001`` …, has its own generator ``random.Random(f"{seed}:{name}")``
and draws its traits from it (``profiles.draw_traits``: EV model, profile, token kind, home, state of
charge, habits), so adding drivers never changes the ones before them.  Each gets a new token of the
eMSP; the caller adds it to the eMSP (``tokens_client.add_token``) before the tokens are pushed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.tokens import Token, TokenType, WhitelistType
from sim.parties.platform import Platform
from sim.scenario.schema import Drivers, TokenKind
from sim.world import chooser
from sim.world.driver import Driver, Preferences
from sim.world.ev import EVState
from sim.world.geo import AreaLike, enclosing_area
from sim.world.ports import WorldPort
from sim.world.profiles import Area, draw_traits


@dataclass(frozen=True)
class TokenPolicy:
    """How the tokens made for drivers may be authorized.  Default ALLOWED_OFFLINE: the CPO asks the
    eMSP in real time and, when it cannot reach it, may fall back on the pushed token list."""

    rfid_whitelist: WhitelistType = WhitelistType.ALLOWED_OFFLINE
    app_whitelist: WhitelistType = WhitelistType.ALLOWED_OFFLINE


def make_drivers(
    emsp: Platform,
    spec: Drivers,
    tokens: TokenPolicy | None = None,
    *,
    world: WorldPort,
    seed: int | str,
    area: AreaLike | None = None,
    time_zone: str = "Europe/Amsterdam",
) -> list[Driver]:
    """The ``spec.count`` drivers of one eMSP (see the module docstring).

    Homes lie in ``spec.home_area``, else ``area``, else a circle around every location of the world.
    Each driver gets a new token of the eMSP (uid ``{cc}{pid}-RFID-000001`` or ``…-APP-…``, unique
    and deterministic); the caller adds it to the eMSP (``tokens_client.add_token``).
    """
    policy = tokens or TokenPolicy()
    home_area = spec.home_area or area or _area_of(world)
    preferences = Preferences(
        spec.search_radius_km, spec.patience, spec.other_maps, spec.reserve, spec.remote_stop, spec.stuck_cable
    )
    estimator = chooser.PriceEstimator()
    owner = emsp.emsp_data.party
    drivers = []
    for index in range(1, spec.count + 1):
        name = f"{emsp.name}/d{index:04d}"
        rng = random.Random(f"{seed}:{name}")
        traits = draw_traits(spec, home_area, rng)
        token = driver_token(owner, index, traits.kind, policy, world.clock.now())
        ev = EVState(traits.ev, traits.soc)
        drivers.append(
            Driver(
                name,
                emsp,
                token,
                traits.kind,
                ev,
                traits.habits,
                world,
                rng=rng,
                preferences=preferences,
                estimator=estimator,
                time_zone=time_zone,
            )
        )
    return drivers


def driver_token(owner: PartyRef, index: int, kind: TokenKind, policy: TokenPolicy, stamp: datetime) -> Token:
    """The eMSP's token of its ``index``-th driver."""
    rfid = kind is TokenKind.RFID
    prefix = f"{owner.country_code}{owner.party_id}"
    return Token.model_validate(
        {
            "country_code": owner.country_code,
            "party_id": owner.party_id,
            "uid": f"{prefix}-{'RFID' if rfid else 'APP'}-{index:06d}",
            "type": TokenType.RFID if rfid else TokenType.APP_USER,
            "contract_id": f"{owner.country_code}-{owner.party_id}-C{index:08d}",
            "issuer": f"eMSP {owner}",
            "valid": True,
            "whitelist": policy.rfid_whitelist if rfid else policy.app_whitelist,
            "last_updated": stamp,
        }
    )


def _area_of(world: WorldPort) -> Area:
    points = [chooser.location_point(location) for _, location in world.all_locations()]
    if not points:
        raise ValueError("drivers need a home area: give drivers.home_area, or locations to live around")
    middle, radius = enclosing_area(points)
    return Area(middle.lat, middle.lon, radius)


__all__ = ["TokenPolicy", "driver_token", "make_drivers"]
