"""The tables of a resilience study as text, the same for the command line and the app's export."""

from __future__ import annotations

import csv
import io
import json


def format_sections(sections: dict[str, list[dict]], fmt: str) -> str:
    """The tables of a study as text: ``json`` (one list of records per table), ``csv`` (blocks headed
    ``# name``) or ``table`` (aligned blocks headed ``== name``); None is an empty cell."""
    if fmt == "json":
        return json.dumps(sections, indent=1) + "\n"
    parts = []
    for name, records in sections.items():
        header = list(records[0]) if records else []
        rows = [["" if r[h] is None else str(r[h]) for h in header] for r in records]
        if fmt == "csv":
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            writer.writerow([f"# {name}"])
            writer.writerow(header)
            writer.writerows(rows)
            parts.append(buf.getvalue())
            continue
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
        lines = [f"== {name}", "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)
