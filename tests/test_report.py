"""Kill-chain reports: the building blocks on hand-made arrays, and every number of ``sdn-desktop report``
against the same numbers recomputed from ``sdn-desktop analyze --format csv`` of the same file."""

from __future__ import annotations

import base64
import csv
import io
import json
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sdn_desktop.analysis.report import (
    UNREACHABLE,
    Interval,
    build_report,
    latency_statistics,
    outage_intervals,
    over_budget_intervals,
    path_changes,
    step_durations,
)
from sdn_desktop.cli import main
from sdn_desktop.engine import Network
from sdn_desktop.scenario import load_scenario, save_scenario
from sdn_desktop.scenario.model import OutageEvent

SCENARIO = Path(__file__).parent / "data" / "report_chains.json"
CSV_LATENCY_MS = 0.0005  # analyze rounds each leg's latency to 0.001 ms


# ---------------------------------------------------------------------------- hand-made arrays
def test_step_durations_hold_each_step_until_the_next():
    assert step_durations(np.array([0.0, 10.0, 30.0, 35.0]), 10.0).tolist() == [10.0, 20.0, 5.0, 10.0]
    assert len(step_durations(np.array([]), 10.0)) == 0


def test_outage_intervals_merge_the_legs_and_name_reasons_and_legs():
    t = np.arange(10) * 10.0
    ok = np.ones((2, 10), bool)
    ok[0, [2, 3]] = False
    ok[1, [3, 4]] = False
    ok[1, [8, 9]] = False
    reasons = [[None] * 10, [None] * 10]
    reasons[0][2] = reasons[0][3] = "no_custody"
    reasons[1][3] = reasons[1][4] = "no_path"
    reasons[1][8] = "no_access"  # step 9 has no reason given
    names = ["S -> C2", "C2 -> T"]

    with_reasons = outage_intervals(t, ok, 10.0, reasons, names)
    assert with_reasons == [
        Interval(20.0, 50.0, 30.0, "no_custody; no_path", ("S -> C2", "C2 -> T")),
        Interval(80.0, 100.0, 20.0, f"no_access; {UNREACHABLE}", ("C2 -> T",)),
    ]
    without = outage_intervals(t, ok, 10.0)
    assert [(o.start_s, o.end_s, o.reason, o.legs) for o in without] == [
        (20.0, 50.0, UNREACHABLE, ("leg 1", "leg 2")),
        (80.0, 100.0, UNREACHABLE, ("leg 2",)),
    ]
    assert outage_intervals(t, np.ones((3, 10), bool), 10.0) == []


def test_over_budget_intervals_skip_unreachable_steps():
    t = np.arange(6) * 5.0
    latency = np.array([40.0, 61.0, 70.0, np.nan, 65.0, 60.0])
    spans = over_budget_intervals(t, latency, 60.0, 5.0)
    assert [(s.start_s, s.end_s, s.duration_s) for s in spans] == [(5.0, 15.0, 10.0), (20.0, 25.0, 5.0)]


def test_path_changes_count_reroutes_and_the_mean_lifetime():
    ab, ac, ad = ("A", "s1", "B"), ("A", "s2", "B"), ("A", "s3", "B")
    paths = [ab, ab, ac, (), ac, ac, ad]
    changes, lifetime = path_changes(paths, np.arange(7) * 10.0, 10.0)
    # ab -> ac is a change; ac before and after the outage is not; ac -> ad is.
    assert changes == 2
    assert lifetime == pytest.approx((20 + 10 + 20 + 10) / 4)
    assert path_changes([(), ()], np.array([0.0, 10.0]), 10.0) == (0, None)


def test_latency_statistics_ignore_unreachable_steps():
    median, p95, peak = latency_statistics(np.array([10.0, np.nan, 30.0, 20.0]))
    assert (median, peak) == (20.0, 30.0)
    assert p95 == pytest.approx(29.0)  # linear interpolation between 20 and 30
    assert latency_statistics(np.array([np.nan])) == (None, None, None)


# ---------------------------------------------------------------------------- report vs analyze
@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    """analyze --format csv, and report as JSON, HTML and Markdown, of the same scenario."""
    out = tmp_path_factory.mktemp("report")
    paths = {kind: out / f"report.{kind}" for kind in ("csv", "json", "html", "md")}
    assert main(["analyze", str(SCENARIO), "--format", "csv", "-o", str(paths["csv"])]) == 0
    for kind in ("json", "html", "md"):
        assert main(["report", str(SCENARIO), "-o", str(paths[kind])]) == 0
    return paths


def runs(mask: list[bool]) -> list[tuple[int, int]]:
    out, start = [], None
    for i, value in enumerate([*mask, False]):
        if value and start is None:
            start = i
        elif not value and start is not None:
            out.append((start, i))
            start = None
    return out


def leg_path_numbers(cells: list[dict], times: list[float], ends: list[float]) -> tuple[int, float | None]:
    """Path changes and mean path lifetime of one leg from its CSV rows, one per step."""
    paths = [c["path"] for c in cells]  # "" when unreachable
    changes = sum(1 for a, b in zip(paths, paths[1:], strict=False) if a and b and a != b)
    lifetimes = [ends[b - 1] - times[a] for p in set(paths) - {""} for a, b in runs([q == p for q in paths])]
    return changes, (float(np.mean(lifetimes)) if lifetimes else None)


def operator_shares(legs: dict[int, list], up: list[bool], operators: dict[str, str]) -> dict[str, float]:
    """Share of the reachable steps in which an operator's satellites ("Shell P01S02") were on a path."""
    used: dict[str, int] = defaultdict(int)
    for i in np.flatnonzero(up):
        names = {n for cells in legs.values() for n in cells[i]["path"].split(" > ")}
        for op in {operators[n.rsplit(" P", 1)[0]] for n in names if n.rsplit(" P", 1)[0] in operators}:
            used[op] += 1
    return {op: n / sum(up) for op, n in used.items()}


def outage_reasons(legs: dict[int, list], first: int, stop: int) -> str:
    """The distinct reasons of the legs down in steps ``first..stop-1``, in order of first appearance."""
    why = {
        cells[i]["reason"]: None
        for i in range(first, stop)
        for _, cells in sorted(legs.items())
        if cells[i]["reachable"] == "no"
    }
    return "; ".join(why)


def recompute_from_csv(path: Path) -> dict[str, dict]:
    """Every report number of every chain, from the analyze CSV rows and the scenario file alone."""
    scenario = load_scenario(SCENARIO)
    operators = {c.name: c.operator for c in scenario.constellations}
    rows = list(csv.DictReader(path.open()))
    times = sorted({float(r["t_s"]) for r in rows})
    index = {t: i for i, t in enumerate(times)}
    ends = [*times[1:], times[-1] + scenario.time.step_s]
    out = {}
    for chain in scenario.chains:
        legs: dict[int, list] = defaultdict(lambda: [None] * len(times))
        for r in rows:
            if r["chain"] == chain.name:
                legs[int(r["leg"])][index[float(r["t_s"])]] = r
        up = [all(cells[i]["reachable"] == "yes" for cells in legs.values()) for i in range(len(times))]
        latency = [
            sum(float(cells[i]["latency_ms"]) for cells in legs.values()) if up[i] else None
            for i in range(len(times))
        ]
        values = np.array([v for v in latency if v is not None])
        budget = chain.budget_ms
        out[chain.name] = {
            "availability": sum(up) / len(times),
            "within_budget": None
            if budget is None
            else sum(v is not None and v <= budget for v in latency) / len(times),
            "median_ms": float(np.median(values)),
            "p95_ms": float(np.percentile(values, 95)),
            "max_ms": float(values.max()),
            "outages": [(times[a], ends[b - 1]) for a, b in runs([not u for u in up])],
            "outage_reasons": [outage_reasons(legs, a, b) for a, b in runs([not u for u in up])],
            "over_budget": []
            if budget is None
            else [(times[a], ends[b - 1]) for a, b in runs([v is not None and v > budget for v in latency])],
            "legs": {
                f"{cells[0]['from']} -> {cells[0]['to']}": leg_path_numbers(cells, times, ends)
                for _, cells in sorted(legs.items())
            },
            "operators": operator_shares(legs, up, operators),
        }
    return out


def test_every_report_number_equals_the_one_recomputed_from_analyze_csv(outputs):
    expected = recompute_from_csv(outputs["csv"])
    report = json.loads(outputs["json"].read_text())
    assert [c["name"] for c in report["chains"]] == list(expected)
    # the scenario exercises what is compared: outages, spans over budget, reroutes
    assert all(e["outages"] and e["availability"] < 1 for e in expected.values())
    assert any(e["over_budget"] for e in expected.values())
    for chain in report["chains"]:
        want = expected[chain["name"]]
        assert chain["availability"] == pytest.approx(want["availability"], abs=1e-12)
        assert chain["within_budget"] == (
            None if want["within_budget"] is None else pytest.approx(want["within_budget"], abs=1e-12)
        )
        legs = len(chain["legs"])
        for key in ("median_ms", "p95_ms", "max_ms"):
            assert chain[key] == pytest.approx(want[key], abs=legs * CSV_LATENCY_MS), key
        assert [(o["start_s"], o["end_s"]) for o in chain["outages"]] == want["outages"]
        assert all(o["duration_s"] == o["end_s"] - o["start_s"] for o in chain["outages"])
        assert [o["reason"] for o in chain["outages"]] == want["outage_reasons"]
        assert all(o["legs"] for o in chain["outages"])
        assert [(o["start_s"], o["end_s"]) for o in chain["over_budget"]] == want["over_budget"]
        got_legs = {leg["leg"]: (leg["changes"], leg["mean_path_lifetime_s"]) for leg in chain["legs"]}
        assert got_legs.keys() == want["legs"].keys()
        for name, (changes, lifetime) in want["legs"].items():
            assert got_legs[name][0] == changes
            assert got_legs[name][1] == pytest.approx(lifetime, abs=1e-9)
        shares = {u["operator"]: u["share_of_reachable"] for u in chain["operators"]}
        assert shares == pytest.approx(want["operators"], abs=1e-12)


def test_html_and_markdown_show_the_recomputed_numbers(outputs):
    expected = recompute_from_csv(outputs["csv"])
    html, md = outputs["html"].read_text(), outputs["md"].read_text()
    for name, want in expected.items():
        shown = [f"{100 * want['availability']:.2f} %", f"{want['max_ms']:.2f}", f"{len(want['outages'])}"]
        for text in shown:
            assert text in html and text in md, (name, text)


class _Resources(HTMLParser):
    """Every URL an HTML page would load: src, href, and url(...) in style."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for key, value in attrs if key in ("src", "href", "srcset", "data") and value]


def test_html_is_one_self_contained_file(outputs):
    html = outputs["html"].read_text()
    assert "http://" not in html and "https://" not in html and "url(" not in html
    parser = _Resources()
    parser.feed(html)
    assert len(parser.urls) == 2 + 2 * 2 + 1  # overview latency and availability, per chain both, map
    for url in parser.urls:
        assert url.startswith("data:image/png;base64,")
        image = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
        assert image.format == "PNG" and min(image.size) > 100
    assert "@media print" in html and "break-before: page" in html


def test_report_rejects_an_unknown_output_format(capsys, tmp_path):
    code = main(["report", str(SCENARIO), "-o", str(tmp_path / "report.pdf")])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "sdn-desktop report: -o: unknown report format '.pdf': use .html, .json or .md"
    )
    assert not (tmp_path / "report.pdf").exists()


def test_budget_must_be_positive(capsys, tmp_path):
    doc = json.loads(SCENARIO.read_text())
    doc["chains"][0]["budget_ms"] = 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    assert main(["report", str(bad)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"{bad}: chains[0] 'Track to ship'.budget_ms: Input should be greater than 0"
    )


def test_engine_reasons_reach_the_outage_intervals():
    """The seam for the engine's per-leg, per-step reasons: build_report(..., reasons=...)."""
    scenario = load_scenario(SCENARIO)
    network = Network(scenario, SCENARIO.parent)
    series = network.run(network.default_times()[:30])
    reasons = [["no_path" if not ok else None for ok in row] for row in series.reachable]
    given = build_report(network, series, reasons)
    plain = build_report(network, series)
    assert given.reasons_known and not plain.reasons_known
    for with_reason, without in zip(given.chains, plain.chains, strict=True):
        assert with_reason.outages, with_reason.name
        assert [o.reason for o in with_reason.outages] == ["no_path"] * len(with_reason.outages)
        assert [o.reason for o in without.outages] == [UNREACHABLE] * len(without.outages)
        assert [o.start_s for o in with_reason.outages] == [o.start_s for o in without.outages]


def test_a_chain_never_reachable_has_no_latency_and_no_operators(tmp_path):
    doc = json.loads(SCENARIO.read_text())
    doc["nodes"][2]["min_elevation_deg"] = 89.9  # the ship sees no satellite
    doc["time"]["duration_s"] = 300
    path, out = tmp_path / "never.json", tmp_path / "never.json.report.json"
    path.write_text(json.dumps(doc))
    assert main(["report", str(path), "-o", str(out)]) == 0
    chain = json.loads(out.read_text())["chains"][0]
    assert chain["availability"] == 0.0 and chain["within_budget"] == 0.0
    assert (chain["median_ms"], chain["p95_ms"], chain["max_ms"]) == (None, None, None)
    assert chain["operators"] == [] and chain["over_budget"] == []
    assert [(o["start_s"], o["end_s"]) for o in chain["outages"]] == [(0.0, 330.0)]
    assert "C2 -> Ship" in chain["outages"][0]["legs"]


def test_an_outage_event_reports_its_reason(tmp_path):
    """A cyber attack taking the C2 node down for 600-900 s: the report's outage there says why."""
    outage = OutageEvent(name="C2 down", from_s=600.0, until_s=900.0, nodes=["C2"], cause="cyber")
    path, out = tmp_path / "outage.json", tmp_path / "outage.report.json"
    scenario = load_scenario(SCENARIO)
    save_scenario(scenario.model_copy(update={"events": [outage]}), path)
    assert main(["report", str(path), "-o", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["reasons_known"]
    for chain in report["chains"]:
        (during,) = [o for o in chain["outages"] if o["start_s"] <= 600.0 < o["end_s"]]
        assert during["end_s"] >= 900.0
        assert during["reason"] == "no_access"
        assert "Radar -> C2" in during["legs"]
