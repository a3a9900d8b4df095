"""A video must never lie: every change the agent's render makes shows in the decoded video,
and what does not change does not drift away from the source (issue "A video must never lie").

`static_skip` repeats LAST's picture of a block whose source did not change. These tests look
at single changes, one patch at a time, where a pooled PSNR cannot see them: a patch changed
and kept at every position class (interior, 8x8 unit edge, superblock and tile edges, the last
partial column and row, the corners), in luma and in colour only, large and small, 4:2:0 and
4:4:4, 1-4 threads and tiles, several sizes. Each is decoded (dav1d) and compared with the same
encode without the skip and with how far the change went.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from rlvideo import VideoWriter
from tests.corpus import balanced_cartpole, texture
from tests.fault_build import needs_fault_build, run_in_fault_build
from tests.helpers import decode, env_renders, gradient


@dataclass(frozen=True)
class Change:
    """A patch of `size` x `size` pixels at (y, x) set to another colour and kept."""

    y: int
    x: int
    size: int
    kind: str  # "large": inverted; "small": 24 levels brighter; "chroma": same luma; "green"

    def apply(self, frame: np.ndarray) -> np.ndarray:
        out = frame.copy()
        patch = out[self.y : self.y + self.size, self.x : self.x + self.size].astype(np.float64)
        if self.kind == "large":
            patch = 255 - patch
        elif self.kind == "green":
            patch[...] = (0, 255, 0)
        elif self.kind == "small":
            patch = np.where(patch > 200, patch - 24, patch + 24)
        else:
            # Along (1, -0.299/0.587, 0): BT.601 luma stays (within rounding), colour moves.
            sign = np.where(patch[..., :1] > 127, -1.0, 1.0)
            patch = patch + sign * np.array([90.0, -90.0 * 0.299 / 0.587, 0.0])
        out[self.y : self.y + self.size, self.x : self.x + self.size] = np.clip(
            np.rint(patch), 0, 255
        )
        return out


def position_classes(height: int, width: int, tiles: int) -> list[tuple[int, int]]:
    """Top-left corners of 2x2 patches at every kind of place in a frame: interior, across an
    8x8 unit edge, across a superblock corner, across the middle tile column, the last partial
    column and row, and the four corners."""
    sb_x = min(64, (width // 64) * 64) or 8
    sb_y = min(64, (height // 64) * 64) or 8
    tile_x = (width // 64 // 2) * 64 if tiles > 1 and width > 128 else sb_x
    return [
        (height // 2 + 3, width // 2 + 5),  # interior
        (15, 23),  # across an 8x8 unit edge (rows 15-16)
        (sb_y - 1, sb_x - 1),  # across a superblock corner
        (height // 3, tile_x - 1),  # across the middle tile column
        (height // 2, width - 2),  # the last (partial) columns
        (height - 2, width // 3),  # the last (partial) rows
        (0, 0),
        (0, width - 2),
        (height - 2, 0),
        (height - 2, width - 2),
    ]


def changes_for(height: int, width: int, tiles: int) -> list[Change]:
    kinds = ("large", "chroma", "small")
    places = position_classes(height, width, tiles)
    return [Change(y, x, 2, kinds[i % 3]) for i, (y, x) in enumerate(places)] + [
        # A one-pixel change in the very last column and row, and a large interior patch.
        Change(height // 4, width - 1, 1, "large"),
        # The case the issue found lost: a green 2x2 patch across the last two columns.
        Change(height * 2 // 5, width - 2, 2, "green"),
        Change(height - 1, width // 4, 1, "chroma"),
        Change(height // 4, width // 4, 16, "large"),
    ]


#: Frames before the first change, between changes and after the last one.
LEAD, GAP, TAIL = 3, 2, 4


def clip(height: int, width: int, changes: list[Change]) -> list[np.ndarray]:
    """The gradient, then each change in turn (every `GAP` frames), each kept to the end."""
    frames = [gradient(height, width)] * LEAD
    for change in changes:
        frames += [change.apply(frames[-1])] * GAP
    return frames + [frames[-1]] * TAIL


def encode_decode(frames: list[np.ndarray], path: Path, **options: object) -> list[np.ndarray]:
    with VideoWriter(path, 30, **options) as writer:
        for frame in frames:
            writer.write(frame)
    decoded = decode(path)
    assert len(decoded) == len(frames)
    return decoded


def patch_error(decoded: np.ndarray, source: np.ndarray, change: Change) -> float:
    """Mean absolute error over the patch's pixels and channels."""
    window = (slice(change.y, change.y + change.size), slice(change.x, change.x + change.size))
    return float(np.abs(decoded[window].astype(float) - source[window].astype(float)).mean())


#: (height, width, chroma, threads, tiles): odd sizes, both samplings, threads and tiles.
CONFIGS = [
    (97, 161, "444", 1, 1),
    (97, 161, "420", 1, 1),
    (97, 161, "444", 2, 2),
    (70, 130, "420", 2, 2),
    (70, 130, "444", 4, 4),
    (400, 600, "420", 1, 1),
    (400, 600, "420", 2, 4),
    (210, 160, "444", 2, 1),
]


@pytest.mark.parametrize(("height", "width", "chroma", "threads", "tiles"), CONFIGS)
def test_every_single_change_shows_as_without_the_skip(
    tmp_path: Path, height: int, width: int, chroma: str, threads: int, tiles: int
) -> None:
    """Each change shows in the frame it appears or the next as well as it does without the
    skip (3 levels of slack), or at least half-way from where it started; and it is not lost
    later: no later frame is further from the source there than that, or than without the
    skip. (Without the skip is not always right either: rav1e 0.8.1 loses some large 1-2 pixel
    changes at q=120 too; `test_a_change_in_the_last_columns_is_not_lost` holds the one the
    skip made permanent to an absolute bound.)"""
    changes = changes_for(height, width, tiles)
    frames = clip(height, width, changes)
    options = dict(chroma=chroma, threads=threads, tiles=tiles)
    with_skip = encode_decode(frames, tmp_path / "skip.mp4", static_skip=True, **options)
    without = encode_decode(frames, tmp_path / "noskip.mp4", static_skip=False, **options)
    failures = []
    for i, change in enumerate(changes):
        appears = LEAD + i * GAP
        moved = patch_error(frames[appears - 1], frames[appears], change)

        def errors(decoded: list[np.ndarray], at: range, change: Change = change) -> list[float]:
            return [patch_error(decoded[t], frames[t], change) for t in at]

        first = range(appears, appears + 2)
        shown = min(errors(with_skip, first))
        bound = max(min(errors(without, first)) + 3.0, moved / 2)
        if shown > bound:
            failures.append(f"{change}: error {shown:.1f} > {bound:.1f} (change {moved:.1f})")
            continue
        later = range(appears + 2, len(frames))
        for t, skip_error, error_without in zip(
            later, errors(with_skip, later), errors(without, later)
        ):
            if skip_error > max(shown, error_without) + 3.0:
                failures.append(
                    f"{change} lost at frame {t}: error {skip_error:.1f}, shown at "
                    f"{shown:.1f}, without skip {error_without:.1f}"
                )
                break
    assert not failures, "\n".join(failures)


def test_a_change_in_the_last_columns_is_not_lost(tmp_path: Path) -> None:
    """The case the issue found: a green 2x2 patch across the last two columns of a 161x97
    4:4:4 frame. rav1e's squared error works in whole 4x4 chunks and dropped the last
    column's, so the first encode coded the patch as if it were right and the skip repeated
    that for good (211 levels of error in every frame); with the edge columns counted
    (`exact_edge_distortion`) it shows from the frame it appears, well within half the
    change."""
    change = Change(40, 159, 2, "green")
    frames = [gradient(97, 161)] * LEAD + [change.apply(gradient(97, 161))] * 8
    decoded = encode_decode(frames, tmp_path / "edge.mp4", chroma="444", threads=1, tiles=1)
    moved = patch_error(frames[0], frames[-1], change)
    errors = [patch_error(d, f, change) for d, f in zip(decoded[LEAD:], frames[LEAD:])]
    assert max(errors) < moved / 2, f"errors {[round(e) for e in errors]}, change {moved:.0f}"


def region_error(decoded: np.ndarray, source: np.ndarray, region: tuple[slice, slice]) -> float:
    """Mean absolute error over a region's pixels and channels."""
    return float(np.abs(decoded[region].astype(float) - source[region].astype(float)).mean())


@pytest.mark.parametrize(("chroma", "threads", "tiles"), [("420", 1, 1), ("444", 2, 2)])
def test_changes_of_one_or_two_levels_are_not_ignored(
    tmp_path: Path, chroma: str, threads: int, tiles: int
) -> None:
    """On a smooth gradient, a 32x32 patch 2 levels brighter (every channel) and kept, and a
    48x48 patch that fades 1 level brighter every frame: each stays as close to the source as
    without the skip. A "static" test that forgave differences of up to 2 levels (noise
    threshold) repeats both: measured with such a build (4:2:0), the step's error stayed at
    1.84 levels where without the skip it is 1.00, and the fade was never coded at all (23.9
    levels off after 24 frames, 1.6 without the skip), while `test_random_block_masks` and the
    corpus passed: a single sample off by one moves no PSNR bound."""
    background = gradient(97, 161)
    step = (slice(8, 40), slice(16, 48))
    fade = (slice(40, 88), slice(96, 144))
    frames = [background] * LEAD
    for t in range(1, 25):
        frame = background.astype(np.int16)
        frame[step] += 2
        frame[fade] += t
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    options = dict(chroma=chroma, threads=threads, tiles=tiles)
    with_skip = encode_decode(frames, tmp_path / "skip.mp4", static_skip=True, **options)
    without = encode_decode(frames, tmp_path / "noskip.mp4", static_skip=False, **options)
    failures = []
    for name, region, slack in (("step", step, 0.5), ("fade", fade, 1.0)):
        for t in range(LEAD + 1, len(frames)):
            error = region_error(with_skip[t], frames[t], region)
            error_without = region_error(without[t], frames[t], region)
            if error > error_without + slack:
                failures.append(
                    f"{name}, frame {t}: error {error:.2f} levels, without the skip "
                    f"{error_without:.2f}"
                )
                break
    assert not failures, "\n".join(failures)


def block_errors(decoded: np.ndarray, source: np.ndarray, block: int = 8) -> np.ndarray:
    """Sum of squared errors per `block` x `block` block (partial blocks at the edges too)."""
    height, width = source.shape[:2]
    rows, cols = -(-height // block), -(-width // block)
    squared = np.zeros((rows * block, cols * block))
    diff = decoded.astype(np.float64) - source.astype(np.float64)
    squared[:height, :width] = (diff**2).sum(-1)
    return squared.reshape(rows, block, cols, block).sum((1, 3))


def busy_texture(height: int, width: int, seed: int = 3) -> np.ndarray:
    """Sharp-edged coloured rectangles on a noisy gradient: a key frame codes it coarsely."""
    rng = np.random.default_rng(seed)
    frame = gradient(height, width).astype(np.int16)
    frame += rng.integers(-12, 13, frame.shape, dtype=np.int16)
    for _ in range(12):
        y, x = rng.integers(0, height - 8), rng.integers(0, width - 8)
        h, w = rng.integers(3, 30), rng.integers(3, 30)
        frame[y : y + h, x : x + w] = rng.integers(0, 256, 3)
    return np.clip(frame, 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("chroma", "threads", "tiles"), [("420", 1, 1), ("444", 2, 2)])
def test_a_still_picture_never_drifts(
    tmp_path: Path, chroma: str, threads: int, tiles: int
) -> None:
    """All frames identical: no 8x8 block of a decoded frame is further from the source than
    in the frame before it (a repeated block repeats its pixels exactly; a block coded again
    may only get closer), and the last frame is at least as close as without the skip."""
    frames = [busy_texture(97, 161)] * 16
    options = dict(chroma=chroma, threads=threads, tiles=tiles)
    decoded = encode_decode(frames, tmp_path / "skip.mp4", static_skip=True, **options)
    errors = [block_errors(d, f) for d, f in zip(decoded, frames)]
    for t in range(1, len(frames)):
        worse = np.argwhere(errors[t] > errors[t - 1])
        assert worse.size == 0, f"frame {t}: blocks {worse.tolist()[:5]} drifted"
    without = encode_decode(frames, tmp_path / "noskip.mp4", static_skip=False, **options)
    assert errors[-1].sum() <= block_errors(without[-1], frames[-1]).sum() * 1.05


def test_unchanged_regions_of_a_real_render_repeat_exactly(tmp_path: Path) -> None:
    """In a balanced CartPole episode, every 8x8 block of a 64x64 superblock where nothing
    changed since the previous frame, and nothing in the superblocks around it either, is
    repeated exactly: its decoded pixels are the previous frame's, so it cannot drift. (Near a
    change, blocks may be coded again with it, when a quarter or more of a block changed and it
    is tried whole, and take its deblocking: there rav1e's search may trade a little error of an
    unchanged part, as rav1e without static skip does everywhere;
    `test_no_ghosts_between_key_frames` bounds what that costs.)"""
    frames = balanced_cartpole(120)
    decoded = encode_decode(frames, tmp_path / "skip.mp4", threads=1, tiles=1)
    for t in range(1, len(frames)):
        changed = block_errors(frames[t], frames[t - 1], 64) > 0
        near_change = np.zeros_like(changed)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                shifted = np.zeros_like(changed)
                shifted[
                    max(dy, 0) : changed.shape[0] + min(dy, 0),
                    max(dx, 0) : changed.shape[1] + min(dx, 0),
                ] = changed[
                    max(-dy, 0) : changed.shape[0] - max(dy, 0),
                    max(-dx, 0) : changed.shape[1] - max(dx, 0),
                ]
                near_change |= shifted
        repeated = block_errors(decoded[t], decoded[t - 1], 64) == 0
        moved = np.argwhere(~near_change & ~repeated)
        assert moved.size == 0, f"frame {t}: unchanged superblocks {moved.tolist()[:5]} moved"


#: 600-frame real renders (key frames every 240): the issue's balanced CartPole episode, and
#: Breakout and Pong under a seeded random policy (reset when an episode ends). Measured on
#: 1e1b99c: Breakout within 0.01 dB of the encode without the skip in every stretch (mean
#: 30.96 dB both); Pong frames 60-119 0.34 dB and 120-179 0.32 dB below (40.38 vs 40.72,
#: 40.05 vs 40.37 dB), a strict xfail until fast_intra_decision: now 0.29 dB below in its worst
#: stretch (frames 60-119, 40.43 vs 40.72 dB; mean 40.55 vs 40.61), 0.01 dB to spare. With
#: fast_edge_partition (half of Pong's superblocks are cut by the frame's edge) that stretch
#: is 40.38 dB and the mean 40.52 (1.2% fewer bytes): 0.25 dB below the mean's 0.09.
LONG_RENDERS = {
    "cartpole_balanced": lambda: balanced_cartpole(600),
    "breakout": lambda: env_renders("ALE/Breakout-v5", 600, 6),
    "pong": lambda: env_renders("ALE/Pong-v5", 600, 7),
}


@pytest.mark.parametrize(
    "render",
    [
        "cartpole_balanced",
        "breakout",
        "pong",
    ],
)
def test_no_ghosts_between_key_frames(tmp_path: Path, render: str) -> None:
    """A 600-frame real render (key frames every 240): no 60-frame stretch is more than 0.3 dB
    further below the same stretch without the skip than the whole video is (a ghost lasts
    until the next key frame: its stretches fall below the others), and the whole video is not
    0.3 dB below. (The encode without the skip also searches differently elsewhere, e.g. the
    superblocks the frame's edge cuts: a difference that moves every stretch alike is no
    ghost, and the mean bounds it.) When blocks the pole of
    a balanced CartPole had just left were split down to 8x8 and coded coarsely, the skip
    repeated them (faint ghosts of the pole) until the next key frame: frames 60-119 were 0.79
    dB below the encode without the skip, 180-239 0.44 dB. (PSNR itself moves with the
    content: without the skip it is 49.0 dB in frames 0-59 and 48.3 dB in 180-239 of this
    episode.)"""
    frames = LONG_RENDERS[render]()

    def psnrs(decoded: list[np.ndarray]) -> tuple[np.ndarray, float]:
        errors = np.array(
            [
                np.mean((d.astype(np.float64) - f.astype(np.float64)) ** 2)
                for d, f in zip(decoded, frames)
            ]
        )
        chunks = errors.reshape(-1, 60).mean(1)
        return 10 * np.log10(255**2 / chunks), float(10 * np.log10(255**2 / errors.mean()))

    chunks, mean = psnrs(encode_decode(frames, tmp_path / "s.mp4", threads=1))
    chunks_without, mean_without = psnrs(
        encode_decode(frames, tmp_path / "n.mp4", threads=1, static_skip=False)
    )
    worst = int(np.argmin(chunks - chunks_without))
    whole = min(mean - mean_without, 0.0)
    assert chunks[worst] - chunks_without[worst] >= whole - 0.3, (
        f"frames {60 * worst}-{60 * worst + 59}: {chunks[worst]:.2f} dB, "
        f"without the skip {chunks_without[worst]:.2f} (whole video {whole:+.2f} dB)"
    )
    assert mean >= mean_without - 0.3, f"mean PSNR {mean:.2f} dB, without skip {mean_without:.2f}"


@pytest.mark.parametrize(
    ("background", "speed", "size"),
    [
        ("busy", 14, 16),
        ("busy", 3, 8),
        # 34.86 dB against 38.92 without the skip on 1e1b99c (a luma-only rank kept
        # LAST's chroma smear); 41.6 since fast_intra_decision ranks chroma too.
        ("gradient", 3, 8),
        # 40.11 dB against 40.58 without the skip on 1e1b99c; within 0.3 dB since
        # fast_intra_decision tries intra on blocks partly unchanged since LAST.
        ("gradient", 14, 16),
        # 1.08 dB below the encode without the skip on 1e1b99c (the best-ranked inter
        # candidate coded what the sprite uncovered at twice the error); 0.30 dB above since
        # fast_inter_decision codes three candidates there (rt_decision.rs).
        ("texture", 3, 8),
    ],
)
def test_a_sprite_that_stops_leaves_no_trail(
    tmp_path: Path, background: str, speed: int, size: int
) -> None:
    """A `size` x `size` sprite crosses a 200x136 background, `speed` pixels a frame for 10
    frames, then stands still for 30: from then on, the region it crossed is within 0.3 dB of
    PSNR of the encode without the skip in every 5 frames (the blocks it left must not be
    repeated as first coded if that was coarser than rav1e codes them without the skip).
    Backgrounds: `busy_texture` (noisy, sharp-edged), `gradient` and `corpus.texture`
    (smooth)."""
    backgrounds = {
        "busy": lambda: busy_texture(136, 200),
        "gradient": lambda: gradient(136, 200),
        "texture": lambda: np.clip(np.rint(texture(136, 200, 3)), 0, 255).astype(np.uint8),
    }
    still = backgrounds[background]()
    frames = []
    for t in range(40):
        frame = still.copy()
        x = 10 + speed * min(t, 10)
        frame[50 : 50 + size, x : x + size] = (250, 60, 30)
        frames.append(frame)
    crossed = (slice(48, 56 + size), slice(8, 10 + 10 * speed))  # up to where it stops

    def psnrs(decoded: list[np.ndarray]) -> np.ndarray:
        errors = [
            np.mean((d[crossed].astype(np.float64) - f[crossed].astype(np.float64)) ** 2)
            for d, f in zip(decoded[10:], frames[10:])
        ]
        return 10 * np.log10(255**2 / np.reshape(errors, (-1, 5)).mean(1))

    with_skip = psnrs(encode_decode(frames, tmp_path / "s.mp4", threads=1))
    without = psnrs(encode_decode(frames, tmp_path / "n.mp4", threads=1, static_skip=False))
    assert (with_skip >= without - 0.3).all(), (
        f"PSNR of the crossed region per 5 frames: {np.round(with_skip, 2).tolist()} dB, "
        f"without the skip {np.round(without, 2).tolist()}"
    )


RECONSTRUCTION_SCRIPT = """
import sys
import numpy as np
from pathlib import Path
from rlvideo import VideoWriter
from tests.helpers import decode_dav1d, decode_libaom, env_renders
from tests.corpus import pan
from tests.test_faithful import changes_for, clip

folder = Path(sys.argv[1])
cases = {
    "cartpole": (env_renders("CartPole-v1", 40, 3), dict(threads=2, tiles=2)),
    "breakout": (env_renders("ALE/Breakout-v5", 40, 3), dict(threads=1, tiles=1)),
    "odd-444": (clip(97, 161, changes_for(97, 161, 2)), dict(chroma="444", threads=2, tiles=2)),
    # Every block moves: the real-time decision for changed blocks (fast_inter_decision,
    # skip_ends_split) decides all of it.
    "pan": (pan(200, 264, 20), dict(threads=2, tiles=2)),
}
for name, (frames, options) in cases.items():
    path = folder / f"rlvideo-dump-reconstruction-{name}.mp4"
    with VideoWriter(path, 30, **options) as writer:
        for frame in frames:
            writer.write(frame)
    dav1d, _ = decode_dav1d(path)
    height, width = dav1d[0][0].shape
    libaom = decode_libaom(path, width, height, options.get("chroma", "420"))
    raw = np.fromfile(path.with_suffix(".recon"), np.uint8)
    sizes = [plane.size for plane in dav1d[0]]
    assert raw.size == len(frames) * sum(sizes), (name, raw.size, len(frames), sizes)
    frame_bytes = raw.reshape(len(frames), -1)
    for t, (ours, theirs, aoms) in enumerate(zip(frame_bytes, dav1d, libaom)):
        offsets = np.cumsum([0, *sizes])
        for p, (plane, aom) in enumerate(zip(theirs, aoms)):
            recon = ours[offsets[p] : offsets[p + 1]].reshape(plane.shape)
            assert np.array_equal(recon, plane), f"{name} frame {t} plane {p}: rav1e != dav1d"
            assert np.array_equal(recon, aom), f"{name} frame {t} plane {p}: rav1e != libaom"
    print(name, len(frames), "frames identical")
"""


@needs_fault_build
def test_the_encoders_reconstruction_is_what_decoders_show(tmp_path: Path) -> None:
    """rav1e's own reconstruction of every frame (the picture later frames are predicted
    from, and the one a static skip repeats) equals what dav1d and libaom decode, sample for
    sample: the encoder's idea of the video is the video. Real renders with the static path
    busy (CartPole with 2 threads and tiles, Breakout), single changes in an odd-sized
    4:4:4 frame, and a pan where every block moves."""
    proc = run_in_fault_build(RECONSTRUCTION_SCRIPT, str(tmp_path), timeout=300)
    assert proc.stdout.count("frames identical") == 4, proc.stdout
