"""The table and figures of the README come out of the committed results (runs in the quick
CI pass, so a broken report or figure fails there; skipped by --benchmark-only runs)."""

from __future__ import annotations

import shutil
from pathlib import Path

from benchmarks import report

RESULTS = Path(__file__).parent / "results" / "latest.json"


def test_report_prints_the_table_and_draws_every_figure(tmp_path, capsys):
    results = tmp_path / "latest.json"
    shutil.copy(RESULTS, results)
    report.main(str(results))
    out = capsys.readouterr().out
    assert out.startswith("| Measure | rlvideo | Peer | Ratio | Target | Met |"), out[:200]
    assert "Encoder CPU per frame, CartPole 600x400" in out
    assert "rlvideo keep_best=3 of every episode vs Gymnasium every 10th episode" in out
    for name in ("quality", "encoder_cpu", "training_loop", "strip"):
        figure = tmp_path / f"{name}.png"
        assert f"figure: {figure}" in out
        assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and figure.stat().st_size > 10_000


def test_merge_replaces_the_rows_of_the_suites_run_again():
    def row(name, value):
        return {"name": name, "extra_info": {"value": value}}

    into = {
        "machine_info": {"node": "vm"},
        "benchmarks": [row("test_a[x]", 1), row("test_b[x]", 2), row("test_b[y]", 3)],
    }
    new = {
        "datetime": "2026-12-05T12:00:00",
        "commit_info": {"id": "abc"},
        "benchmarks": [row("test_b[z]", 4)],
    }
    merged = report.merge(new, into)
    assert merged["machine_info"] == {"node": "vm"}
    assert [(r["name"], r["extra_info"]) for r in merged["benchmarks"]] == [
        ("test_a[x]", {"value": 1}),
        ("test_b[z]", {"value": 4, "measured": "2026-12-05T12:00:00", "commit": "abc"}),
    ]
