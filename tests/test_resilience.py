"""Resilience analysis: exact against the engine, hand-worked values on a ring, intervals, CLI, Dask."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from sdn_desktop.analysis import ResilienceOptions, run_resilience
from sdn_desktop.analysis.evaluator import contexts_for
from sdn_desktop.analysis.resilience import (
    attack_order,
    attack_units,
    concentration_records,
    critical_records,
    disjoint_paths,
    element_losses,
    level_counts,
    sweep_trials,
    trial_rng,
)
from sdn_desktop.analysis.stats import availability_interval, wilson_interval
from sdn_desktop.cli import main
from sdn_desktop.engine import Cancelled, Network
from sdn_desktop.scenario import (
    Constellation,
    Geodetic,
    IslPolicy,
    KillChain,
    Node,
    Scenario,
    TimeWindow,
    WalkerSource,
    load_scenario,
    save_scenario,
)
from sdn_desktop.scenario.model import CutLinksEvent, DestroyEvent, OutageEvent

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "sdn_backbone_demo.json"
START = datetime(2026, 1, 1, tzinfo=UTC)


def _sub_point(p: np.ndarray) -> Geodetic:
    r = np.linalg.norm(p)
    return Geodetic(
        lat_deg=float(np.degrees(np.arcsin(p[2] / r))), lon_deg=float(np.degrees(np.arctan2(p[1], p[0])))
    )


@pytest.fixture(scope="module")
def ring() -> tuple[Scenario, list[str]]:
    """Six satellites on one ring at 8,000 km (s0..s5 in order), and a spare shell nobody can use.

    A sits between s0 and s1 and sees both (about 40 deg up; s5 and s2 are below its horizon), B sits
    under s3 and sees only it (60 deg mask), C sits between s3 and s4 and sees both. Chain AB must
    pass s3; chain AC goes round either side: A-s0-s5-s4-C or A-s1-s2-s3-C."""
    ring_shell = Constellation(
        name="Ring",
        operator="Vendor R",
        terminal="R-OCT",
        source=WalkerSource(planes=1, sats_per_plane=6, inclination_deg=60.0, altitude_km=8000.0),
        isl=IslPolicy(max_range_km=20000.0),
    )
    spare = Constellation(
        name="Spare",
        operator="Vendor Z",
        terminal="Z-OCT",
        source=WalkerSource(planes=1, sats_per_plane=3, inclination_deg=30.0, altitude_km=2000.0),
    )
    draft = Scenario(
        name="Ring",
        time=TimeWindow(start=START, duration_s=60.0, step_s=60.0),
        constellations=[ring_shell, spare],
    )
    net = Network(draft, ".")
    pos, _, _ = net.propagate(np.array([0.0]))
    members = np.flatnonzero(net.sats.constellation == 0)
    s = [pos[i, 0] for i in members[np.argsort(net.sats.slot[members])]]
    names = [net.sats.names[i] for i in members[np.argsort(net.sats.slot[members])]]
    nodes = [
        Node(name="A", role="sensor", position=_sub_point(s[0] + s[1]), min_elevation_deg=10.0),
        Node(name="B", role="shooter", position=_sub_point(s[3]), min_elevation_deg=60.0),
        Node(name="C", role="shooter", position=_sub_point(s[3] + s[4]), min_elevation_deg=10.0),
    ]
    chains = [KillChain(name="AB", nodes=["A", "B"]), KillChain(name="AC", nodes=["A", "C"])]
    return draft.model_copy(update={"nodes": nodes, "chains": chains}), names


def _levels(*counts: int) -> tuple[float, ...]:
    return tuple(c / 9 for c in counts)  # nine satellites: six on the ring, three spare


@pytest.fixture(scope="module")
def ring_result(ring):
    scenario, _ = ring
    options = ResilienceOptions(trials=400, levels=_levels(0, 1, 2), seed=7)
    return run_resilience(scenario, ".", options)


def _by(records: list[dict], **match) -> list[dict]:
    return [r for r in records if all(r[k] == v for k, v in match.items())]


def test_ring_availability_matches_hand_counts(ring_result):
    """d of the 9 satellites destroyed. AB needs s3 and one side: d=1 -> 8/9; d=2 -> of 36 pairs, 8
    hit s3 and 6 hit both sides: 22/36. AC needs one side: d=1 -> 1; d=2 -> 9 pairs hit both: 27/36."""
    expected = {
        ("AB", 0): 1.0,
        ("AB", 1): 8 / 9,
        ("AB", 2): 22 / 36,
        ("AC", 0): 1.0,
        ("AC", 1): 1.0,
        ("AC", 2): 27 / 36,
    }
    for (chain, count), p in expected.items():
        (record,) = [r for r in ring_result.attrition if r["chain"] == chain and r["destroyed"] == count]
        sigma = np.sqrt(p * (1 - p) / 400)
        assert abs(record["availability"] - p) <= 4 * sigma + 1e-12, (chain, count, record)
        assert record["availability_lo"] <= record["availability"] <= record["availability_hi"]
        assert record["trials"] == 400


def test_ring_critical_elements_and_disjoint_paths(ring, ring_result):
    _, names = ring
    critical = ring_result.critical
    top_sat = _by(critical, kind="satellite", rank=1)[0]
    assert top_sat["element"] == names[3] and top_sat["availability_loss"] == 0.5  # AB lost, AC not
    assert len(_by(critical, kind="satellite")) == 1  # the ring routes around every other single loss
    nodes = {r["element"]: r["availability_loss"] for r in _by(critical, kind="node")}
    assert nodes == {"A": 1.0, "B": 0.5, "C": 0.5}
    top_link = _by(critical, kind="link", rank=1)[0]
    assert top_link["availability_loss"] == 0.5 and set(top_link["element"].split(" - ")) == {names[3], "B"}
    redundancy = {r["chain"]: r for r in ring_result.redundancy}
    assert redundancy["AB"]["disjoint_min"] == redundancy["AB"]["disjoint_max"] == 1  # s3 is a cut vertex
    assert redundancy["AC"]["disjoint_min"] == redundancy["AC"]["disjoint_max"] == 2  # either side
    assert redundancy["AB"]["unreachable"] == redundancy["AC"]["unreachable"] == 0


def test_disjoint_paths_respect_the_stretch_bound(ring):
    scenario, _ = ring
    (context,) = contexts_for(Network(scenario, "."), np.array([0.0]))
    assert disjoint_paths(context, 1, stretch=1.5) == 2
    assert disjoint_paths(context, 1, stretch=1.0 + 1e-12) in (1, 2)  # the two sides tie only by symmetry
    assert disjoint_paths(context, 0, stretch=1.5) == 1


def test_outage_of_the_only_vendor_and_of_an_unused_one(ring_result):
    for record in _by(ring_result.outage, removed="Vendor R"):
        assert record["availability"] == 0.0 and record["p50_ms"] is None
    for record in _by(ring_result.outage, removed="Vendor Z") + _by(ring_result.outage, removed="Spare"):
        assert record["availability_change"] == 0.0 and record["p50_change_ms"] == 0.0
    shares = {(r["chain"], r["operator"]): r for r in ring_result.concentration}
    assert shares[("AB", "Vendor R")]["hop_share"] == 1.0 and shares[("AB", "Vendor R")]["hhi_hops"] == 1.0
    assert shares[("AC", "Vendor Z")]["length_share"] == 0.0


def _contested(scenario: Scenario, network: Network, t_s: float) -> Scenario:
    """The demo with more events at ``t_s``: a cut of two links of a chain's route (one within the
    backbone, one cross-vendor if any) and an outage of a shooter node."""
    snap = network.snapshot(t_s)
    path = max((r.path for r in snap.routes), key=len)
    sats = [v for v in path if v < network.n_sats]
    pairs = list(zip(sats, sats[1:], strict=False))
    names = network.sats.names
    cut = [(names[a], names[b]) for a, b in pairs[:1] + pairs[-1:]]
    events = [
        *scenario.events,
        CutLinksEvent(name="Cut on route", from_s=t_s, until_s=t_s + 1.0, links=cut),
        OutageEvent(name="Greely down", from_s=t_s, until_s=t_s + 1.0, nodes=["Fort Greely"]),
    ]
    return scenario.model_copy(update={"events": events})


@pytest.fixture(scope="module", params=["demo", "more events"])
def demo(request):
    """The demo scenario (a threat chain; a strike, a jammer and a vendor outage in the window) at
    instants before and inside each event; then the same with a link cut and a node outage added."""
    scenario = load_scenario(DEMO)
    times = np.array([0.0, 1200.0, 1800.0, 2400.0])
    if request.param == "more events":
        scenario = _contested(scenario, Network(scenario, DEMO.parent), 1800.0)
    network = Network(scenario, DEMO.parent)
    return scenario, network, times, contexts_for(network, times)


@pytest.mark.parametrize(
    "mode,trials,levels",
    [("random", 2, (0.0, 0.05, 0.3)), ("planes", 1, (0.1, 0.5)), ("targeted", 1, (0.0, 0.01))],
)
def test_trials_equal_the_engine_with_those_satellites_destroyed(demo, mode, trials, levels):
    """The anchor: a trial's latencies equal Network.run with its destroyed set destroyed at the
    start, on top of the scenario's own events and threat chains."""
    scenario, network, times, contexts = demo
    _, units = attack_units(network, mode)
    counts = level_counts(levels, len(units))
    latency = sweep_trials(contexts, units, counts, mode, 3, list(range(trials)))
    for trial in range(trials):
        order = attack_order(contexts, units, mode, max(counts), trial_rng(3, trial))
        for li, count in enumerate(counts):
            gone = sorted({network.sats.names[s] for u in order[:count] for s in units[u]})
            strike = DestroyEvent(name="trial", at_s=0.0, satellites=gone)
            damaged = scenario.model_copy(update={"events": [*scenario.events, strike]})
            reference = Network(damaged, DEMO.parent, previous=network).run(times).latency_ms
            np.testing.assert_allclose(latency[trial, li], reference, rtol=0, atol=1e-9, equal_nan=True)


def test_level_zero_equals_analyze(demo):
    scenario, network, times, contexts = demo
    base = np.stack([c.base.latency_ms for c in contexts], axis=1)
    np.testing.assert_allclose(base, network.run(times).latency_ms, rtol=0, atol=1e-9, equal_nan=True)


def test_critical_losses_equal_the_engine_with_that_element_lost(demo):
    """Each candidate satellite's, node's and satellite link's availability loss (every listed critical
    element and a sample of the others) is what Network.run gives with it lost for the whole window
    (destroyed, out of service, cut), on top of the events; the list holds exactly the costly ones."""
    scenario, network, times, contexts = demo
    base = np.stack([c.base.latency_ms for c in contexts], axis=1)
    found = element_losses(contexts, network, base)
    records = critical_records(contexts, network, base)
    listed = {(r["kind"], r["element"]) for r in records}
    assert all(r["availability_loss"] > 0 for r in records)
    assert all(
        loss == 0 for kind, element, loss, _ in found if (kind, element) not in listed and kind == "node"
    )
    end = scenario.time.duration_s
    sat_names = set(network.sats.names)
    losses = {
        "satellite": lambda name: DestroyEvent(name="lost", at_s=0.0, satellites=[name]),
        "node": lambda name: OutageEvent(name="lost", from_s=0.0, until_s=end, nodes=[name]),
        "link": lambda name: CutLinksEvent(name="lost", from_s=0.0, until_s=end, links=[name.split(" - ")]),
    }
    unlisted = [f for f in found if (f[0], f[1]) not in listed]
    sample = [f for f in found if (f[0], f[1]) in listed] + unlisted[:: max(1, len(unlisted) // 20)]
    checked = 0
    for kind, element, expected, _ in sample:
        if kind == "link" and not set(element.split(" - ")) <= sat_names:
            continue  # a ground link has no event of its own
        damaged = scenario.model_copy(update={"events": [*scenario.events, losses[kind](element)]})
        latency = Network(damaged, DEMO.parent, previous=network).run(times).latency_ms
        loss = np.mean([_availability(base, legs) - _availability(latency, legs) for legs in _legs(network)])
        assert expected == pytest.approx(loss, abs=1e-6), (kind, element)
        checked += 1
    assert checked >= 20
    assert any(r["kind"] == "node" for r in records)


def _legs(network: Network) -> list[list[int]]:
    """The leg rows of each chain."""
    rows: dict[str, list[int]] = {}
    for i, leg in enumerate(network.legs):
        rows.setdefault(leg.chain, []).append(i)
    return list(rows.values())


def _availability(latency: np.ndarray, rows: list[int]) -> float:
    return float(np.isfinite(latency[rows]).all(axis=0).mean())


def test_wilson_interval_covers_a_known_rate_about_95_percent():
    rng = np.random.default_rng(11)
    p, n = 0.3, 80
    hits = 0
    for successes in rng.binomial(n, p, size=1000):
        lo, hi = wilson_interval(successes, n)
        hits += lo <= p <= hi
    assert 0.925 <= hits / 1000 <= 0.975


def test_availability_interval_covers_a_known_rate_with_correlated_steps():
    """Trials whose steps are all equal (fully correlated): the interval widens to trials, not steps."""
    rng = np.random.default_rng(5)
    p, hits = 0.8, 0
    for _ in range(1000):
        per_trial = (rng.random(40) < p).astype(float)  # each trial's 30 steps share one outcome
        _, lo, hi = availability_interval(per_trial, steps=30)
        hits += lo <= p <= hi
    assert 0.92 <= hits / 1000 <= 0.98


def test_events_apply_under_the_attrition_unless_dropped(ring, capsys, tmp_path):
    """s3 destroyed at the start by the scenario's own event: chain AB (which needs s3) is down at
    level 0, chain AC goes round the other side; --no-events gives the undisturbed ring back."""
    scenario, names = ring
    struck = scenario.model_copy(
        update={"events": [DestroyEvent(name="strike", at_s=0.0, satellites=[names[3]])]}
    )
    path = tmp_path / "struck.json"
    save_scenario(struck, path)
    for extra, expected in (((), {"AB": 0.0, "AC": 1.0}), (("--no-events",), {"AB": 1.0, "AC": 1.0})):
        status, out, _ = _cli(
            capsys, str(path), "--trials", "3", "--attrition", "0", "--format", "json", *extra
        )
        assert status == 0
        assert {r["chain"]: r["availability"] for r in json.loads(out)["attrition"]} == expected


def test_cancel_stops_the_study(ring):
    scenario, _ = ring
    with pytest.raises(Cancelled):
        run_resilience(scenario, ".", ResilienceOptions(trials=5), cancelled=lambda: True)


# ---------------------------------------------------------------------------------------- command line
@pytest.fixture(scope="module")
def ring_file(ring, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ring") / "ring.json"
    save_scenario(ring[0], path)
    return path


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(["resilience", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_json_is_deterministic_and_carries_the_fields(capsys, ring_file):
    args = (str(ring_file), "--trials", "30", "--attrition", "0:0.5:0.25", "--seed", "4", "--format", "json")
    status, first, _ = _cli(capsys, *args)
    assert status == 0
    _, second, _ = _cli(capsys, *args)
    assert first == second
    records = json.loads(first)["attrition"]
    keys = {
        "chain",
        "level",
        "availability",
        "availability_lo",
        "availability_hi",
        "p50_ms",
        "p95_ms",
        "trials",
    }
    assert keys <= set(records[0]) and [r["level"] for r in records[:3]] == [0.0, 0.25, 0.5]


def test_cli_local_cluster_gives_the_same_bytes(capsys, ring_file, tmp_path):
    args = [str(ring_file), "--trials", "12", "--attrition", "0,0.34", "--format", "csv"]
    assert _cli(capsys, *args, "-o", str(tmp_path / "local.csv"))[0] == 0
    assert _cli(capsys, *args, "--workers", "2", "-o", str(tmp_path / "dask.csv"))[0] == 0
    assert (tmp_path / "local.csv").read_bytes() == (tmp_path / "dask.csv").read_bytes()
    assert "# attrition" in (tmp_path / "local.csv").read_text()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--attrition", "0:1.5:0.5"], "--attrition: levels are fractions from 0 to 1, got 1.5"),
        (["--attrition", "a:b"], "--attrition:"),
        (["--trials", "0"], "--trials: must be greater than 0"),
        (["--trials", "2.5"], "--trials: must be a whole number"),
        (["--scheduler", "tcp://127.0.0.1:9"], "--scheduler: cannot reach tcp://127.0.0.1:9"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:9"], "give --workers or --scheduler"),
    ],
)
def test_cli_bad_options_exit_2_with_one_line(capsys, ring_file, args, message):
    status, out, err = _cli(capsys, str(ring_file), *args)
    assert status == 2 and out == ""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0]


def test_cli_interrupt_writes_nothing(capsys, ring_file, tmp_path, monkeypatch):
    import sdn_desktop.analysis as analysis

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(analysis, "run_resilience", interrupted)
    status, _, err = _cli(capsys, str(ring_file), "-o", str(tmp_path / "out.json"))
    assert status == 130 and "interrupted" in err
    assert not (tmp_path / "out.json").exists()


def test_a_whole_study_of_the_demo_with_its_threat_chain_runs(demo):
    """Critical elements and redundancy handle a threat chain's own graph vertices."""
    scenario, _, times, _ = demo
    options = ResilienceOptions(trials=1, levels=(0.0, 0.1), times=tuple(times), redundancy_instants=2)
    result = run_resilience(scenario, DEMO.parent, options, None, None, None)
    critical = [r for r in result.to_records()["critical"] if r["kind"] == "node"]
    assert critical[0]["element"] == "C2 Colorado"  # every chain passes through it
    threat_leg = next(r for r in result.redundancy if r["from"] == "HGV Pacific")
    assert threat_leg["unreachable"] >= 1 and threat_leg["disjoint_min"] == 0  # at 0 s no sensor sees it
    assert all(r["disjoint_min"] == 0 for r in result.redundancy if r["unreachable"])


def test_concentration_of_a_threat_chain_has_length_shares(demo):
    """The threat's link to its sensor has no length, so it does not make the length shares NaN."""
    _, network, _, contexts = demo
    records = [r for r in concentration_records(contexts, network) if r["chain"] == "Pacific track"]
    shares = [r["length_share"] for r in records]
    assert all(s is not None for s in shares) and sum(shares) == pytest.approx(1.0, abs=1e-5)
    assert records[0]["hhi_length"] is not None
