"""Static skip: blocks whose pixels equal the previous frame's are coded as zero-motion skips
without a search (`VideoWriter(..., static_skip=True)`, the default).

Every clip of `tests/corpus.py` (real Gymnasium and Atari renders, odd sizes, edge cases) is
encoded with the option on and off over a grid of threads x tiles, and each file is decoded by
two independent AV1 decoders, dav1d (PyAV) and libaom (the ffmpeg of imageio-ffmpeg). Both
must return exactly the frames written, bit-identical to each other at the YUV level, and the
skip may cost at most 0.3 dB of mean PSNR, 1.0 dB on the worst frame and 1.0 dB over the
blocks that changed, against the same encode without it; on the moving cameras (CarRacing, a
MuJoCo tracking camera) no frame may fall under a PSNR floor against its source either. Random
block masks get the same checks on synthetic frames, and one file is played to its end in
headless Chromium.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rlvideo import VideoWriter
from tests.corpus import CLIPS, RANDOM_MASK_CASES, Clip, random_block_clip
from tests.helpers import (
    changed_area_psnr,
    decode_dav1d,
    decode_libaom,
    first_planes_difference,
    play_in_chromium,
    psnr,
    stream_info,
)

#: How much the skip may cost against the same encode without it: the mean of the per-frame
#: PSNRs over a clip, and the worst frame's PSNR.
MEAN_PSNR_SLACK = 0.3
WORST_PSNR_SLACK = 1.0
#: And the PSNR over the blocks that changed since the previous frame (`changed_area_psnr`):
#: a small change wrongly skipped (a ball, a digit) barely moves a whole frame's PSNR. On this
#: corpus two encodes that differ only in their tiles differ by up to 0.4 dB here; a skip
#: that ignored changes of at most 4 pixels per 8x8 block would cost 1.6-6.5 dB on CartPole,
#: MountainCar, Pendulum, Breakout and Pong (frame PSNRs do not see it on the Atari games).
CHANGED_AREA_SLACK = 1.0


def encode(
    frames: list[np.ndarray],
    path: Path,
    *,
    static_skip: bool,
    threads: int,
    tiles: int,
    fps: float = 30,
    **options: Any,
) -> int:
    """Write `frames` to `path` and return how many frames the writer says it wrote. The one
    place the tests set `static_skip`: a build without the option raises TypeError here."""
    options.update(static_skip=static_skip, threads=threads, tiles=tiles)
    with VideoWriter(path, fps, **options) as writer:
        for frame in frames:
            writer.write(frame)
    return writer.frames


@dataclasses.dataclass(frozen=True)
class Decoded:
    """One encoded file and what both decoders made of it (counts, not frames, to keep the
    session's memory small)."""

    path: Path
    digest: str
    frames: int  # written
    writer_frames: int  # the writer's count
    demuxed: int  # samples in the MP4
    dav1d_frames: int
    libaom_frames: int
    shape: tuple[int, ...]  # of the frames written
    decoded_shape: tuple[int, ...]  # of dav1d's first frame as RGB
    disagreement: str | None  # where dav1d and libaom first differ
    psnrs: list[float] = dataclasses.field(repr=False)  # dav1d's against the frames written
    changed_psnr: float  # over the blocks that changed since the previous frame

    def check(self) -> Decoded:
        """Frame counts, size and agreement of the two decoders; returns self."""
        name, count = self.path.name, self.frames
        assert self.writer_frames == count, f"{name}: the writer counted {self.writer_frames}"
        assert self.demuxed == count, f"{name}: {self.demuxed} samples for {count} frames"
        assert self.dav1d_frames == count, f"{name}: dav1d decoded {self.dav1d_frames}/{count}"
        assert self.libaom_frames == count, f"{name}: libaom decoded {self.libaom_frames}/{count}"
        assert self.decoded_shape == self.shape, f"{name}: {self.decoded_shape} for {self.shape}"
        assert self.disagreement is None, f"{name}: dav1d and libaom: {self.disagreement}"
        return self


def decode_both(
    frames: list[np.ndarray], path: Path, writer_frames: int, chroma: str = "420"
) -> Decoded:
    """Decode `path` with both decoders and compare with each other and with `frames`."""
    height, width = frames[0].shape[:2]
    dav1d, rgb = decode_dav1d(path)
    libaom = decode_libaom(path, width, height, chroma)
    return Decoded(
        path=path,
        digest=hashlib.sha256(path.read_bytes()).hexdigest(),
        frames=len(frames),
        writer_frames=writer_frames,
        demuxed=stream_info(path)["frames"],
        dav1d_frames=len(dav1d),
        libaom_frames=len(libaom),
        shape=frames[0].shape,
        decoded_shape=rgb[0].shape,
        disagreement=first_planes_difference(dav1d, libaom),
        psnrs=[psnr(source, out) for source, out in zip(frames, rgb)],
        changed_psnr=changed_area_psnr(frames, rgb),
    )


class Encodings:
    """Encodes each (clip, static_skip, threads, tiles) once per session, on demand; files
    with the same bytes (the same tiles at 1 and 2 threads) are decoded once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.frames: dict[str, list[np.ndarray]] = {}
        self.files: dict[tuple[str, bool, int, int], Decoded] = {}
        self.decoded: dict[tuple[str, str], Decoded] = {}  # by (source, digest)

    def clip_frames(self, clip: Clip) -> list[np.ndarray]:
        if clip.name not in self.frames:
            self.frames[clip.name] = clip.make()
        return self.frames[clip.name]

    def get(self, clip: Clip, static_skip: bool, threads: int, tiles: int) -> Decoded:
        key = (clip.name, static_skip, threads, tiles)
        if key not in self.files:
            name = f"{clip.name}-skip{int(static_skip)}-threads{threads}-tiles{tiles}"
            options = {"static_skip": static_skip, "threads": threads, "tiles": tiles}
            frames = self.clip_frames(clip)
            self.files[key] = self.encode(
                clip.name, frames, name, fps=clip.fps, **options, **clip.options
            )
        return self.files[key]

    def encode(self, source: str, frames: list[np.ndarray], name: str, **options: Any) -> Decoded:
        """Encode `frames` (named `source`) to NAME.mp4 with `options` and decode the file with
        both decoders."""
        path = self.folder / f"{name}.mp4"
        writer_frames = encode(frames, path, **options)
        key = (source, hashlib.sha256(path.read_bytes()).hexdigest())
        if key not in self.decoded:
            chroma = options.get("chroma", "420")
            self.decoded[key] = decode_both(frames, path, writer_frames, chroma)
        return dataclasses.replace(self.decoded[key], path=path, writer_frames=writer_frames)


@pytest.fixture(scope="session")
def encodings(tmp_path_factory: pytest.TempPathFactory) -> Encodings:
    return Encodings(tmp_path_factory.mktemp("static_skip"))


def check_skip_costs_little(name: str, with_skip: Decoded, without: Decoded) -> None:
    """The PSNR bounds above, for two encodes of the same frames."""
    mean_with, mean_without = np.mean(with_skip.psnrs), np.mean(without.psnrs)
    assert mean_with >= mean_without - MEAN_PSNR_SLACK, (
        f"{name}: mean PSNR {mean_with:.2f} dB with static skip, {mean_without:.2f} without"
    )
    worst_with, worst_without = min(with_skip.psnrs), min(without.psnrs)
    assert worst_with >= worst_without - WORST_PSNR_SLACK, (
        f"{name}: worst frame {worst_with:.2f} dB (frame {np.argmin(with_skip.psnrs)}) with "
        f"static skip, {worst_without:.2f} without"
    )
    changed_with, changed_without = with_skip.changed_psnr, without.changed_psnr
    assert changed_with >= changed_without - CHANGED_AREA_SLACK, (
        f"{name}: PSNR of the changed blocks {changed_with:.2f} dB with static skip, "
        f"{changed_without:.2f} without"
    )


GRID = [
    pytest.param(clip, threads, tiles, id=f"{clip.name}-threads{threads}-tiles{tiles}")
    for clip in CLIPS
    for threads, tiles in clip.grid
]


@pytest.mark.parametrize("clip, threads, tiles", GRID)
def test_corpus_round_trip(encodings: Encodings, clip: Clip, threads: int, tiles: int) -> None:
    with_skip = encodings.get(clip, True, threads, tiles).check()
    without = encodings.get(clip, False, threads, tiles).check()
    name = f"{clip.name} threads={threads} tiles={tiles}"
    check_skip_costs_little(name, with_skip, without)
    if clip.psnr_floor is not None:
        for decoded in (with_skip, without):
            worst = min(decoded.psnrs)
            assert worst >= clip.psnr_floor, (
                f"{decoded.path.name}: frame {np.argmin(decoded.psnrs)} at {worst:.2f} dB "
                f"against its source, under the clip's floor of {clip.psnr_floor} dB"
            )


THREAD_PAIRS = [
    pytest.param(clip, tiles, id=f"{clip.name}-tiles{tiles}")
    for clip in CLIPS
    for tiles in sorted({k for _, k in clip.grid})
    if (1, tiles) in clip.grid and (2, tiles) in clip.grid
]


@pytest.mark.parametrize("clip, tiles", THREAD_PAIRS)
def test_threads_do_not_change_the_file(encodings: Encodings, clip: Clip, tiles: int) -> None:
    """rav1e's output depends on the tiles, not on the worker threads; the skip must keep that
    (a race between tiles deciding what is static would show here first)."""
    for static_skip in (True, False):
        one = encodings.get(clip, static_skip, 1, tiles)
        two = encodings.get(clip, static_skip, 2, tiles)
        assert one.digest == two.digest, f"{one.path.name} and {two.path.name} differ"


def test_tiles_change_the_file(encodings: Encodings) -> None:
    """The `tiles` option reaches rav1e: each tile is coded on its own, so 1, 2 and 4 tiles
    give three different bitstreams of the same frames (each decoded and checked above)."""
    clip = next(clip for clip in CLIPS if clip.name == "cartpole")
    digests = {tiles: encodings.get(clip, True, 1, tiles).digest for tiles in (1, 2, 4)}
    assert len(set(digests.values())) == 3, digests


def test_static_skip_changes_the_encoding(encodings: Encodings) -> None:
    """The option reaches the encoder: on mostly static renders it must change the bitstream
    (same frames back, checked above). Identical files everywhere would mean it is ignored."""
    differ = [
        clip.name
        for clip in CLIPS
        if clip.name in ("cartpole", "breakout", "all_static", "static_start_and_end")
        and encodings.get(clip, True, 2, 4).digest != encodings.get(clip, False, 2, 4).digest
    ]
    assert differ, "static_skip=True wrote the same bytes as static_skip=False on every clip"


def test_static_skip_is_the_default(encodings: Encodings) -> None:
    clip = next(clip for clip in CLIPS if clip.name == "breakout")
    path = encodings.folder / "breakout-default.mp4"
    with VideoWriter(path, clip.fps, threads=2, tiles=4, **clip.options) as writer:
        for frame in encodings.clip_frames(clip):
            writer.write(frame)
    default = hashlib.sha256(path.read_bytes()).hexdigest()
    assert default == encodings.get(clip, True, 2, 4).digest


@pytest.mark.parametrize(
    "seed, height, width, block, tiles",
    [
        pytest.param(
            seed, *case, id=f"seed{seed}-{case[1]}x{case[0]}-block{case[2]}-tiles{case[3]}"
        )
        for seed, case in enumerate(RANDOM_MASK_CASES)
    ],
)
def test_random_block_masks(
    encodings: Encodings, seed: int, height: int, width: int, block: int, tiles: int
) -> None:
    """Random subsets of 8x8, 16x16 or 64x64 blocks change each frame (new content, a small
    high-contrast sprite, or one sample off by one), on sizes that are not multiples of 8 or
    64; some frames change nothing, some almost everything."""
    frames = random_block_clip(height, width, block, seed)
    name = f"random{seed}-{width}x{height}-block{block}-tiles{tiles}"
    results = {}
    for static_skip in (True, False):
        options = {"static_skip": static_skip, "threads": 2, "tiles": tiles}
        decoded = encodings.encode(
            name, frames, f"{name}-skip{int(static_skip)}", keyframe_interval=10, **options
        )
        results[static_skip] = decoded.check()
    check_skip_costs_little(name, results[True], results[False])


@pytest.mark.skipif(
    shutil.which("chromium") is None and not os.environ.get("RLVIDEO_REQUIRE_CHROMIUM"),
    reason="needs chromium on PATH (Debian: apt-get install chromium; scripts/test.sh does)",
)
def test_plays_in_headless_chromium(encodings: Encodings) -> None:
    """A browser plays a static-skip file to its end: the <video> element reaches `ended`
    without an error, holds decoded data, has the right size and shows the last frame."""
    clip = next(clip for clip in CLIPS if clip.name == "cartpole")
    frames = encodings.clip_frames(clip)
    state = play_in_chromium(encodings.get(clip, True, 2, 2).path)
    pixels = state.pop("pixels")
    assert state["event"] == "ended" and state["ended"] and state["error"] is None, state
    assert state["readyAtLoad"] >= 2 and state["readyState"] >= 2, state
    assert (state["width"], state["height"]) == (frames[0].shape[1], frames[0].shape[0]), state
    assert state["duration"] == pytest.approx(len(frames) / clip.fps, abs=1e-3), state
    assert state["decodedFrames"] == len(frames), state
    # Chromium converts to RGB its own way; what it shows must still be the last frame.
    shown = pixels[..., :3]
    last, first = psnr(shown, frames[-1]), psnr(shown, frames[0])
    assert last >= 40 and last > first + 3, f"last frame {last:.1f} dB, first {first:.1f} dB"
