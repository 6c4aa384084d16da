"""Reconciliation: the eMSP re-prices each CDR it receives with its own copy of the tariffs."""

from __future__ import annotations

from collections.abc import Generator
from decimal import Decimal
from typing import Any

from sim.events import AuthorizationDecided, CDRIssued, CDRReceived, CDRReconciled
from sim.netbuilder import Roaming
from sim.parties.connection import SyncMode
from sim.parties.modules.cdrs_client import pull_cdrs
from sim.parties.modules.locations_client import add_location, push_all_locations
from sim.parties.modules.tariffs_client import add_tariff, push_all_tariffs
from sim.parties.modules.tokens_client import add_token
from sim.world.reconcile import Reconciler, reconcile
from sim.world.world import CPOSettings, World
from tests.world.worldkit import CPA, NO_FAILURES, V211, Net, location, network, tariff, token


def session(net: Net, *, evse_uid: str = "AC1", at: float = 100, hours: float = 1) -> None:
    """A car charges at ``evse_uid`` by RFID for ``hours``."""
    point, car = net.point(evse_uid), net.car()

    def arrive() -> Generator[Any, Any, None]:
        assert point.plug_in(car, "1")
        assert (yield from point.start_by_rfid(car)).started

    net.at(at, arrive())
    net.at(at + hours * 3600, point.unplug(car))
    net.run_until(at + hours * 3600 + 60)


def test_a_cdr_priced_from_the_same_tariff_matches() -> None:
    net = network()
    reconciler = Reconciler(net.roaming.bus, [net.cpo, net.emsp])
    session(net)
    (issued,) = net.of(CDRIssued)
    (received,) = net.of(CDRReceived)
    (result,) = net.of(CDRReconciled)
    assert result == reconciler.results[0]
    assert (received.emsp, received.cpo, received.cdr_id, received.total_excl) == (
        "DE-MSA", "NL-CPA", issued.cdr_id, issued.total_excl)  # fmt: skip
    assert (result.emsp, result.cpo, result.cdr_id, result.mismatch, result.reason) == (
        "DE-MSA", "NL-CPA", issued.cdr_id, False, None)  # fmt: skip
    assert result.cpo_total_excl == result.emsp_total_excl == Decimal("3.3000")  # 11 kWh at 0.30


def test_a_tariff_the_cpo_changed_without_telling_the_emsp_is_a_mismatch() -> None:
    net = network()
    Reconciler(net.roaming.bus, [net.emsp])
    add_tariff(net.cpo, tariff(energy="0.40"))  # the CPO's price now; the eMSP still holds 0.30
    session(net)
    (result,) = net.of(CDRReconciled)
    assert result.mismatch
    assert (result.cpo_total_excl, result.emsp_total_excl) == (Decimal("4.4000"), Decimal("3.3000"))
    assert result.reason == "total differs: CPO 4.4000, DE-MSA 3.3000"


def test_a_tariff_the_emsp_never_received_cannot_be_checked() -> None:
    net = network()
    Reconciler(net.roaming.bus, [net.emsp])
    add_tariff(net.cpo, tariff("T2"))
    add_location(net.cpo, location("T2"))  # connectors now on T2, which was never pushed
    session(net)
    (result,) = net.of(CDRReconciled)
    assert (result.mismatch, result.emsp_total_excl, result.reason) == (True, None, "tariff T2 unknown to DE-MSA")


def test_a_pulled_cdr_is_announced_and_reconciled_too() -> None:
    net = network(sync={"cdrs": SyncMode.PULL})
    Reconciler(net.roaming.bus, [net.emsp])
    session(net)
    assert net.of(CDRReceived) == []  # not pushed
    net.roaming.run(pull_cdrs(net.emsp, net.emsp.connections["NL-CPA"]))
    (received,) = net.of(CDRReceived)
    (result,) = net.of(CDRReconciled)
    assert received.cdr_id == result.cdr_id == "CDR000001" and not result.mismatch
    net.roaming.run(pull_cdrs(net.emsp, net.emsp.connections["NL-CPA"]))
    assert len(net.of(CDRReceived)) == 1  # a CDR already held is not received again


def test_on_211_both_sides_price_without_vat_and_agree() -> None:
    net = network(version=V211)
    Reconciler(net.roaming.bus, [net.emsp])
    session(net, hours=0.5)
    (result,) = net.of(CDRReconciled)
    assert (result.mismatch, result.cpo_total_excl, result.emsp_total_excl) == (False, Decimal("1.6500"),
                                                                                 Decimal("1.6500"))  # fmt: skip


def test_reconcile_of_a_cdr_the_emsp_does_not_hold_is_none() -> None:
    net = network()
    assert reconcile(net.emsp, CPA, "NOPE") is None


def test_through_a_hub_the_cdr_arrives_and_matches() -> None:
    roaming = Roaming()
    hub, cpo, emsp = roaming.hub("NL-HUB"), roaming.cpo("NL-CPA"), roaming.emsp("DE-MSA")
    for party in (cpo, emsp):
        roaming.connect(party, hub)
        roaming.settle(5)
    add_tariff(cpo, tariff())
    add_location(cpo, location())
    roaming.run(push_all_tariffs(cpo))
    roaming.run(push_all_locations(cpo))
    add_token(emsp, token(emsp.emsp_data.party, "TOK1", whitelist="NEVER"))  # authorized in real time via the hub
    world = World(roaming.env, roaming.clock, roaming.bus, seed=1)
    world.add_cpo(cpo, CPOSettings(NO_FAILURES))
    net = Net(roaming, cpo, emsp, world)
    roaming.bus.subscribe(net.events.append)
    Reconciler(roaming.bus, [emsp])
    world.start()
    session(net, at=roaming.env.now + 10)
    (decided,) = net.of(AuthorizationDecided)
    assert (decided.method, decided.allowed) == ("AUTH_REQUEST", "ALLOWED")
    (result,) = net.of(CDRReconciled)
    assert not result.mismatch and result.emsp_total_excl == result.cpo_total_excl == Decimal("3.2997")
    # 10.999 kWh: the real-time authorization through the hub took its round trips before the start
