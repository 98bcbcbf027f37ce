"""Embed the provenance graph of a story in a Markdown report.

    .venv/bin/python examples/markdown_report.py seeds/ -o examples/seeds-report.md

Writes the SVG next to the report and a Markdown file that shows it, followed by
one section per statement: who said it, where it first appeared, and every
reproduction with its fidelity and the words that changed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import quotetrace as qt


def report(t: qt.Trace, svg_name: str) -> str:
    quotes = {q.id: q for q in t.quotes}
    # each quote's link to its statement: how faithful it is to what was said
    links = {(ln.source, ln.target): ln for ln in t.links if not ln.conflict}
    lines = ["# Quote provenance", "", f"![provenance graph]({svg_name})", ""]
    for st in t.statements:
        if len(st.quotes) < 2:
            continue  # a report is about words that travelled
        lines += [f"## {st.speaker or 'Unknown speaker'}: {st.id}", "", f"> {st.text}", ""]
        for qid in st.quotes:
            q = quotes[qid]
            ln = links.get((qid, st.id))
            label = "origin" if qid == st.origin else (ln.fidelity if ln else "linked")
            changed = ", ".join(f"{e.a_text or '∅'} → {e.b_text or '∅'}" for e in ln.diff) if ln else ""
            via = f" via {' → '.join(q.via)}" if q.via else ""
            lines.append(
                f"- **{label}** in `{q.article}` ({q.kind}{via}): “{q.text}”" + (f" — {changed}" if changed else "")
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+")
    ap.add_argument("-o", "--output", default="report.md")
    args = ap.parse_args()
    t = qt.trace(args.paths)
    out = Path(args.output)
    svg = out.with_suffix(".svg")
    svg.write_text(t.to_svg(), encoding="utf-8")
    out.write_text(report(t, svg.name), encoding="utf-8")
    print(f"Wrote {out} and {svg}")


if __name__ == "__main__":
    main()
