"""The encoder options, typed once: what ``VideoWriter``, ``check_options``, ``save_video`` and
every wrapper take as keyword arguments. The defaults and ranges are the Rust core's (one
table, ``rust/rlvideo/src/options.rs``); the README's options table says what each means."""

from __future__ import annotations

from typing import Literal, TypedDict


class EncoderOptions(TypedDict, total=False):
    """``rlvideo.VideoWriter``'s keyword options; every one is optional.

    Example:
        >>> from rlvideo import EncoderOptions, check_options
        >>> options: EncoderOptions = {"quantizer": 100, "chroma": "444"}
        >>> check_options(30, **options)
        >>> check_options(30, quantizer=300)
        Traceback (most recent call last):
        ...
        ValueError: invalid option: quantizer must be between 0 and 255, got 300
    """

    speed: int
    """rav1e speed preset, 0 (slow, small) to 10 (fast); default 10."""
    quantizer: int
    """rav1e base quantizer, 0-255 (lower: larger files, higher quality); default 120."""
    threads: int
    """Encoder threads per video, 0-256; 0 (default) = one per core."""
    tiles: int
    """Tiles per frame; 0 (default) = one per encoder thread, at most 8."""
    keyframe_interval: int
    """Longest run of frames between keyframes; default 240."""
    memory_budget: int
    """Bytes of frames that may wait for the encoder before ``write`` blocks; default
    ``DEFAULT_MEMORY_BUDGET`` (128 MiB)."""
    low_latency: bool
    """No frame reordering: less delay and memory, somewhat larger files; default True."""
    rl_tuning: bool
    """rlvideo's measured tweaks of rav1e's preset for RL renders; default True."""
    static_skip: bool
    """Code blocks unchanged since the previous frame as skips, without search; default True."""
    chroma: Literal["420", "444"]
    """``"420"`` (default, plays everywhere) or ``"444"`` (full colour resolution)."""
    faststart: bool
    """Index (``moov``) before the samples, so browsers and W&B play the file over HTTP at once;
    copied into place when the video is finished; default True."""
    nice: int
    """How much the encoder threads lower their own scheduling priority, 0-19 (a niceness
    increment; Linux only), so the env and learner threads win the CPU; default 0 (the
    caller's priority)."""
    scale: int
    """Enlarge every frame by this whole factor, 1-8, each pixel becoming a ``scale x scale``
    block (nearest neighbour, on the encoder thread), so small renders keep their colours in
    4:2:0 and show at a watchable size; 0 = 2x, 3x, ... until the shorter side is at least
    240 pixels; default 1 (the render's own size)."""
