"""`sdn-desktop export --czml`: the file read back as JSON agrees with the engine step by step."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from czml3 import Document
from skyfield.api import EarthSatellite, load

from sdn_desktop.cli import main
from sdn_desktop.engine import Network
from sdn_desktop.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "sdn_backbone_demo.json"
DURATION_S = 600.0
ONE_M_KM = 1e-3


def seconds(text: str, start: datetime) -> float:
    return (datetime.fromisoformat(text.replace("Z", "+00:00")) - start).total_seconds()


def interval_at(intervals: list, t: float, start: datetime) -> dict | str | None:
    """The interval holding ``t``: ``[start, end)``, the last one closed (as Cesium picks at a boundary)."""
    found = None
    for item in intervals:
        text = item["interval"] if isinstance(item, dict) else item
        a, b = (seconds(x, start) for x in text.split("/"))
        if a <= t < b or (found is None and t == b):
            found = item
    return found


def endpoint(reference: str) -> str:
    """``sat/NAME#position`` -> ``NAME``."""
    return reference.removesuffix("#position").split("/", 1)[1]


@pytest.fixture(scope="module")
def demo_export(tmp_path_factory):
    out = tmp_path_factory.mktemp("czml") / "demo.czml"
    assert main(["export", str(DEMO), "--czml", str(out), "--duration", str(DURATION_S)]) == 0
    scenario = load_scenario(DEMO)
    window = scenario.time.model_copy(update={"duration_s": DURATION_S})
    scenario = scenario.model_copy(update={"time": window})
    network = Network(scenario, DEMO.parent)
    return json.loads(out.read_text()), network


def engine_links(network: Network, t: float) -> dict[str, set]:
    snap = network.snapshot(t)
    names, nodes = network.sats.names, network.node_names
    return {
        "isl": {tuple(sorted((names[a], names[b]))) for a, b in snap.isl},
        "cross": {tuple(sorted((names[a], names[b]))) for a, b in snap.cross},
        "ground": {(nodes[g], names[s]) for g, s in snap.ground},
    }


def test_document_packet_has_the_clock(demo_export):
    packets, network = demo_export
    doc = packets[0]
    start = network.scenario.time.start
    assert doc["id"] == "document" and doc["version"] == "1.0"
    a, b = doc["clock"]["interval"].split("/")
    assert seconds(a, start) == 0.0 and seconds(b, start) == DURATION_S
    assert seconds(doc["clock"]["currentTime"], start) == 0.0
    ids = [p["id"] for p in packets]
    assert len(ids) == len(set(ids))


def show_table(items: list[dict], start: datetime) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every ``show`` interval of ``items``: packet index, start and end (s) and the value."""
    rows = [
        (i, *(seconds(x, start) for x in v["interval"].split("/")), v["boolean"])
        for i, p in enumerate(items)
        for v in p["polyline"]["show"]
    ]
    index, a, b, value = (np.array(column) for column in zip(*rows, strict=True))
    return index, a, b, value.astype(bool)


def test_link_show_intervals_equal_the_engine_link_sets_at_every_step(demo_export):
    packets, network = demo_export
    start = network.scenario.time.start
    step = network.scenario.time.step_s
    engine = {t: engine_links(network, t) for t in network.default_times()}
    for kind in ("isl", "cross", "ground"):
        items = [p for p in packets if p["id"].startswith(f"{kind}/")]
        assert items and all(p["polyline"]["arcType"] == "NONE" for p in items)
        ends = [tuple(endpoint(r) for r in p["polyline"]["positions"]["references"]) for p in items]
        ends = [e if kind == "ground" else tuple(sorted(e)) for e in ends]
        index, a, b, value = show_table(items, start)
        # show covers the window without gaps or overlaps, packet by packet
        first = np.r_[True, index[1:] != index[:-1]]
        assert (a[first] == 0.0).all() and (b[np.r_[first[1:], True]] == DURATION_S + step).all()
        assert (a[~first] == b[np.flatnonzero(~first) - 1]).all()
        for t, expected in ((t, links[kind]) for t, links in engine.items()):
            for probe in (t, t + step / 2):  # the step's link set holds until the next step
                shown = index[(a <= probe) & (probe < b) & value]
                assert {ends[i] for i in shown} == expected, (kind, t)


def test_routes_follow_the_engine_per_interval(demo_export):
    packets, network = demo_export
    start = network.scenario.time.start
    series = network.run()
    by_id = {p["id"]: p for p in packets}
    for chain in network.scenario.chains:
        legs = [i for i, leg in enumerate(series.legs) if leg.chain == chain.name]
        chain_packet = by_id[f"chain/{chain.name}"]
        for k, t in enumerate(series.t_s):
            all_reachable = all(series.reachable[i, k] for i in legs)
            assert (interval_at(chain_packet["availability"], t, start) is not None) == all_reachable
            for i in legs:
                route = by_id.get(f"route/{chain.name}/{series.legs[i].index + 1}")
                if not series.reachable[i, k]:
                    assert route is None or interval_at(route["availability"], t, start) is None
                    continue
                assert interval_at(route["availability"], t, start) is not None
                positions = interval_at(route["polyline"]["positions"], t, start)
                assert tuple(endpoint(r) for r in positions["references"]) == series.paths[i][k]
        color = [int(chain.color[j : j + 2], 16) for j in (1, 3, 5)] + [255]
        route = by_id[f"route/{chain.name}/1"]
        assert route["polyline"]["material"]["solidColor"]["color"]["rgba"] == color


def lagrange(sample_t: np.ndarray, samples: np.ndarray, t: float, degree: int) -> np.ndarray:
    """Cesium's Lagrange interpolation: the ``degree + 1`` samples around ``t``."""
    j = int(np.clip(np.searchsorted(sample_t, t) - (degree + 1) // 2, 0, len(sample_t) - degree - 1))
    xs, ys = sample_t[j : j + degree + 1], samples[j : j + degree + 1]
    n = len(xs)
    weights = [np.prod([(t - xs[b]) / (xs[a] - xs[b]) for b in range(n) if b != a]) for a in range(n)]
    return np.einsum("a,ad->d", weights, ys)


def test_satellite_samples_interpolate_to_the_engine_positions(demo_export):
    """Lagrange (degree 5, 120 s samples) within 0.7 m of SGP4, plus 0.5 m of rounding to whole metres."""
    packets, network = demo_export
    sats = [p for p in packets if p["id"].startswith("sat/")]
    assert len(sats) == len(network.sats)
    probe = np.array([0.0, 45.0, 333.3, 599.0])
    index = {name: i for i, name in enumerate(network.sats.names)}
    pos = network.propagate(probe)[0]
    for p in sats[:: len(sats) // 25]:
        position = p["position"]
        assert position["referenceFrame"] == "FIXED" and position["interpolationAlgorithm"] == "LAGRANGE"
        values = np.array(position["cartesian"]).reshape(-1, 4)
        for k, t in enumerate(probe):
            at = lagrange(values[:, 0], values[:, 1:] / 1000.0, t, position["interpolationDegree"])
            assert np.abs(at - pos[index[p["name"]], k]).max() < 1.5 * ONE_M_KM, (p["id"], t)


def test_inertial_frame_matches_skyfield_gcrs(small_scenario_file, tmp_path):
    out = tmp_path / "small.czml"
    assert main(["export", str(small_scenario_file), "--czml", str(out), "--frame", "inertial"]) == 0
    Document.load(out)  # czml3 reads its own output back
    packets = json.loads(out.read_text())
    network = Network(load_scenario(small_scenario_file))
    ts = load.timescale(builtin=True)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i, p in enumerate(p for p in packets if p["id"].startswith("sat/")):
        assert p["position"]["referenceFrame"] == "INERTIAL"
        values = np.array(p["position"]["cartesian"]).reshape(-1, 4)
        satellite = EarthSatellite.from_satrec(network.sats.satrecs[i], ts)
        times = ts.from_datetimes([start + timedelta(seconds=s) for s in values[:, 0]])
        gcrs = satellite.at(times).position.km
        assert np.abs(values[:, 1:] / 1000.0 - gcrs.T).max() < ONE_M_KM


def test_links_option_leaves_kinds_out(small_scenario_file, tmp_path, capsys):
    out = tmp_path / "small.czml"
    assert main(["export", str(small_scenario_file), "--czml", str(out), "--links", "ground"]) == 0
    ids = [p["id"] for p in json.loads(out.read_text())]
    assert any(i.startswith("ground/") for i in ids) and not any(i.startswith("isl/") for i in ids)
    assert main(["export", str(small_scenario_file), "--czml", str(out), "--links", "lasers"]) == 2
    assert "--links: 'lasers' is not one of isl, cross, ground or none" in capsys.readouterr().err
