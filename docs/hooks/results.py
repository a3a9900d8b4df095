"""MkDocs hook: the Performance page shows the committed benchmark results as they are.

`<!-- benchmark-tables -->` in a page becomes `benchmarks.report.tables()` of
`benchmarks/results/latest.json`, and the figures `python -m benchmarks.report` draws beside
that file are served under `figures/`: so `scripts/bench.sh` (which rewrites both) updates the
page, and no table is copied by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
MARKER = "<!-- benchmark-tables -->"


def on_files(files: Files, config: Any) -> Files:
    for figure in sorted(RESULTS.glob("*.png")):
        files.append(File.generated(config, f"figures/{figure.name}", abs_src_path=str(figure)))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    if MARKER not in markdown:
        return markdown
    if str(ROOT) not in sys.path:  # the mkdocs executable's folder is first on sys.path
        sys.path.insert(0, str(ROOT))
    from benchmarks.report import Results, tables

    results = Results(json.loads((RESULTS / "latest.json").read_text()))
    return markdown.replace(MARKER, "\n".join(tables(results)))
