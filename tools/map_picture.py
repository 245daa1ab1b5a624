"""Save a PNG of the demo scenario on the 2D map: routes, and one route satellite selected with its
ground track and coverage. No display needed (EGL off-screen).

Usage: ``.venv/bin/python tools/map_picture.py [OUT.png]`` (default docs/map.png).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sdn_desktop.engine import Network  # noqa: E402
from sdn_desktop.render.map_view import MapView  # noqa: E402
from sdn_desktop.resources import DEFAULT_SCENARIO  # noqa: E402
from sdn_desktop.scenario import load_scenario  # noqa: E402

SIZE = (1600, 860)
SHOW_TIME_S = 1500.0  # the instant the app's screenshot shows
TRACK_SPAN_S = 2880.0  # about half an orbit of the 1,000 km shells, behind and ahead
TRACKED_CHAIN = "Atlantic warning"


def main(out: Path) -> int:
    scenario = load_scenario(DEFAULT_SCENARIO)
    network = Network(scenario, DEFAULT_SCENARIO.parent)
    snapshot = network.snapshot(SHOW_TIME_S)
    route = next(r for r in snapshot.routes if r.leg.chain == TRACKED_CHAIN and r.reachable)
    satellite = route.path[len(route.path) // 2]  # a satellite in the middle of the route
    view = MapView(size=SIZE)
    view.set_scenario(scenario, network)
    view.set_selection("satellite", satellite)
    view.set_ground_tracks([satellite], behind_s=TRACK_SPAN_S, ahead_s=TRACK_SPAN_S)
    view.set_footprints(satellites=[satellite])
    view.update(snapshot)
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(view.render()).save(out)
    print(f"wrote {out} ({network.vertex_names[satellite]} selected)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) == 2 else ROOT / "docs" / "map.png"))
