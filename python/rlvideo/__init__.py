"""rlvideo: record AV1/MP4 videos of reinforcement-learning environments from Rust.

``VideoWriter(path, fps)`` takes numpy frames and encodes them on a background thread::

    import numpy as np
    from rlvideo import VideoWriter

    with VideoWriter("videos/random.mp4", fps=30) as writer:
        for _ in range(60):
            writer.write(np.random.randint(0, 255, (64, 96, 3), dtype=np.uint8))
"""

from rlvideo._native import DEFAULT_MEMORY_BUDGET, MAX_DIMENSION, EncoderError, VideoWriter

__all__ = ["DEFAULT_MEMORY_BUDGET", "MAX_DIMENSION", "EncoderError", "VideoWriter"]
__version__ = "0.1.0"
