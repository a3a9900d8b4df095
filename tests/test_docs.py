"""The documentation site builds with warnings as errors, a broken internal link fails that
build, and the built pages render in headless Chromium: the theme, the figures, the tables
generated from the benchmark results, and the API reference generated from the docstrings
and `_native.pyi`. The README stays short and its links to the pages resolve."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import evaluate_in_chromium

ROOT = Path(__file__).resolve().parent.parent
MKDOCS = Path(sys.executable).parent / "mkdocs"

pytestmark = pytest.mark.skipif(
    not MKDOCS.exists(), reason="needs the docs extra: pip install rlvideo[docs]"
)


def build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MKDOCS), "build", "--strict", "-f", str(config), "-d", str(site)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("docs") / "site"
    run = build(ROOT / "mkdocs.yml", site)
    assert run.returncode == 0, run.stderr
    return site


def test_a_broken_internal_link_fails_the_build(tmp_path: Path) -> None:
    # A copy of the docs beside the real sources (what the hooks and mkdocstrings read).
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path)
    for folder in ("python", "benchmarks"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    page = tmp_path / "docs" / "playback.md"
    page.write_text(page.read_text() + "\nSee [the options](options.md#no-such-heading).\n")
    run = build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert run.returncode != 0
    assert "no-such-heading" in run.stderr, run.stderr


_PAGE_STATE = """
(async () => {
  const images = [...document.images];
  await Promise.all(images.map((i) => i.complete ? null
    : new Promise((done) => { i.onload = done; i.onerror = done; })));
  return {
    headerPosition: getComputedStyle(document.querySelector(".md-header")).position,
    images: images.filter((i) => i.closest(".md-content"))
      .map((i) => [i.getAttribute("src"), i.naturalWidth]),
    tableRows: [...document.querySelectorAll(".md-content table tr")].map((r) => r.innerText),
    ids: [...document.querySelectorAll(".md-content [id]")].map((e) => e.id),
    navLinks: document.querySelectorAll(".md-nav__link").length,
  };
})()
"""


@pytest.mark.skipif(
    shutil.which("chromium") is None and not os.environ.get("RLVIDEO_REQUIRE_CHROMIUM"),
    reason="needs chromium on PATH (Debian: apt-get install chromium; scripts/test.sh does)",
)
def test_performance_page_renders_figures_and_generated_tables(site: Path) -> None:
    state = evaluate_in_chromium(site / "performance" / "index.html", _PAGE_STATE)
    # Material's stylesheet is applied (its header sticks to the top) and the nav is there.
    assert state["headerPosition"] == "sticky" and state["navLinks"] > 10, state
    figures = dict(state["images"])
    assert set(figures) == {
        f"../figures/{name}.png" for name in ("quality", "encoder_cpu", "training_loop", "strip")
    }
    assert all(width > 100 for width in figures.values()), figures
    # The rows come from benchmarks/results/latest.json (docs/hooks/results.py).
    rows = state["tableRows"]
    assert any(r.startswith("Encoder CPU per frame, CartPole 600x400") for r in rows), rows[:5]
    assert not any("benchmark-tables" in r for r in rows)


@pytest.mark.skipif(
    shutil.which("chromium") is None and not os.environ.get("RLVIDEO_REQUIRE_CHROMIUM"),
    reason="needs chromium on PATH (Debian: apt-get install chromium; scripts/test.sh does)",
)
def test_api_reference_renders_the_python_and_native_api(site: Path) -> None:
    state = evaluate_in_chromium(site / "reference" / "index.html", _PAGE_STATE)
    ids = set(state["ids"])
    # Python sources (the wrappers) and the native module's stub (VideoWriter) alike.
    for name in (
        "rlvideo.RecordVideo",
        "rlvideo.vector.RecordVideo",
        "rlvideo.sb3.VecVideoRecorder",
        "rlvideo.torchrl.VideoRecorder",
        "rlvideo.rllib.RecordVideoCallback",
        "rlvideo.notebook.show_videos",
        "rlvideo.VideoWriter",
        "rlvideo.VideoWriter.write",
        "rlvideo.VideoWriter.close",
        "rlvideo.EncoderError",
        "rlvideo.EncoderOptions.quantizer",
        "rlvideo.MAX_PIXELS",
        "rlvideo.DEFAULT_MEMORY_BUDGET",
    ):
        assert name in ids, name
    # Each object documented once (an id twice is an object rendered twice).
    repeated = {i for i in state["ids"] if state["ids"].count(i) > 1}
    assert repeated == set(), repeated


def test_readme_is_short_and_its_links_resolve() -> None:
    # The README is what a visitor reads in a minute; the rest lives on the docs pages.
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) < 150
    assert "bash scripts/demo.sh" in readme and "bash scripts/test.sh" in readme
    targets = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", readme)
    assert any(t.startswith("docs/") for t in targets), targets
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert missing == [], missing


def test_readme_anchors_exist_on_the_built_pages(site: Path) -> None:
    # The build checks the pages' own links and anchors; the README's are checked here.
    readme = (ROOT / "README.md").read_text()
    anchored = re.findall(r"\]\(docs/([^)#:]+)\.md#([^)]+)\)", readme)
    for page, anchor in anchored:
        built = (site / page / "index.html").read_text()
        assert f'id="{anchor}"' in built, (page, anchor)
