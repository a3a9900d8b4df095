"""The release wheel ships the type stubs the README promises ("Type stubs ship in
`rlvideo/_native.pyi` (`py.typed`)"), so editors and mypy see the native API: inside the
manylinux wheel that scripts/build_wheel.sh makes in target/dist (scripts/setup.sh test runs
it; scripts/test.sh sets RLVIDEO_REQUIRE_WHEEL), and in the package these tests import."""

from __future__ import annotations

import importlib.metadata
import os
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The wheel scripts/setup.sh installs into .venv (the same pattern).
WHEELS = sorted((ROOT / "target" / "dist").glob("rlvideo-*-cp39-abi3-manylinux*.whl"))
STUBS = ("rlvideo/_native.pyi", "rlvideo/py.typed")


@pytest.mark.skipif(
    not WHEELS and not os.environ.get("RLVIDEO_REQUIRE_WHEEL"),
    reason="no release wheel in target/dist (scripts/build_wheel.sh makes it)",
)
def test_the_wheel_ships_the_type_stubs() -> None:
    assert WHEELS, "no rlvideo-*-cp39-abi3-manylinux*.whl in target/dist"
    for wheel in WHEELS:
        with zipfile.ZipFile(wheel) as archive:
            names = set(archive.namelist())
            assert set(STUBS) <= names, (wheel.name, sorted(names))
            record = archive.read(f"rlvideo-{wheel.name.split('-')[1]}.dist-info/RECORD")
            listed = {line.split(",")[0] for line in record.decode().splitlines()}
            assert set(STUBS) <= listed, wheel.name
            # The stubs of this source tree, not of an older build.
            source = (ROOT / "python" / "rlvideo" / "_native.pyi").read_bytes()
            assert archive.read("rlvideo/_native.pyi") == source, wheel.name


def test_the_installed_package_has_the_type_stubs() -> None:
    files = importlib.metadata.files("rlvideo") or []
    installed = {str(f): f for f in files}
    for stub in STUBS:
        assert stub in installed, sorted(installed)
        assert Path(installed[stub].locate()).is_file(), stub
