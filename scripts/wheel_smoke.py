"""Does an installed rlvideo wheel work? Record a short video with rav1e's SIMD assembly in
use; decode it if PyAV is there.

Run by scripts/check_wheel.sh (in a fresh venv holding only the wheel and numpy, then again
with PyAV to decode) and by .github/workflows/release.yml on every platform a release builds.
Standalone on purpose: it needs neither the source tree nor pytest.

    python scripts/wheel_smoke.py OUT.mp4                 # record only
    python scripts/wheel_smoke.py OUT.mp4 --decode        # record, decode with PyAV, compare
    python scripts/wheel_smoke.py OUT.mp4 --decode-only   # decode what another Python recorded
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

WIDTH, HEIGHT, FRAMES, FPS = 64, 48, 30, 30
MIN_PSNR_DB = 37.0  # ~40 dB here; the neighbouring frame in its place scores ~32


def source_frame(t: int) -> np.ndarray:
    """Moving colour ramps (smooth, so 4:2:0 loses little): flat frames would pass even if
    chroma were lost, and a frame out of order would not match."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    rgb = np.stack([x * 2 + t * 2, y * 3, np.full_like(x, 8 * t)], -1)
    return rgb.astype(np.uint8)


def record(path: str) -> None:
    import rlvideo  # not needed to decode: the decoding Python may not have the wheel

    # A wheel built without rav1e's assembly works, only with up to 4x the CPU: refuse it.
    simd = rlvideo.simd_level()
    if simd == "RUST":
        sys.exit("rav1e runs without its SIMD assembly: the wheel was built without it")
    with rlvideo.VideoWriter(path, FPS) as writer:
        for t in range(FRAMES):
            writer.write(source_frame(t))
    print(
        f"rlvideo {rlvideo.__version__} (rav1e assembly: {simd}) wrote {writer.frames} frames, "
        f"{writer.bytes} bytes"
    )


def decode_and_compare(path: str) -> None:
    import av  # only this half needs PyAV

    with av.open(path) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        codec = stream.codec_context.name
    if len(frames) != FRAMES:
        sys.exit(f"decoded {len(frames)} frames, expected {FRAMES}")
    worst = float("inf")
    for t, decoded in enumerate(frames):
        if decoded.shape != (HEIGHT, WIDTH, 3):
            sys.exit(f"frame {t} decoded as {decoded.shape}, expected {(HEIGHT, WIDTH, 3)}")
        err = np.mean((decoded.astype(np.float64) - source_frame(t)) ** 2)
        worst = min(worst, 10 * np.log10(255.0**2 / max(err, 1e-12)))
    if worst < MIN_PSNR_DB:
        sys.exit(f"worst frame {worst:.1f} dB PSNR, expected at least {MIN_PSNR_DB}")
    print(f"{codec} decoded {len(frames)} frames of {WIDTH}x{HEIGHT}, worst {worst:.1f} dB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--decode", action="store_true", help="also decode with PyAV")
    parser.add_argument("--decode-only", action="store_true", help="decode, do not record")
    args = parser.parse_args()
    if not args.decode_only:
        record(args.path)
    if args.decode or args.decode_only:
        decode_and_compare(args.path)


if __name__ == "__main__":
    main()
