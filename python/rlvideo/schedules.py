"""Recording schedules, identical to Gymnasium's."""

from __future__ import annotations


def capped_cubic_video_schedule(episode_id: int) -> bool:
    r"""The default episode trigger: episodes 0, 1, 8, 27, ..., k^3, ..., 729, then every 1000th.

    Same function as ``gymnasium.utils.save_video.capped_cubic_video_schedule``.

    >>> [e for e in range(2001) if capped_cubic_video_schedule(e)][:6]
    [0, 1, 8, 27, 64, 125]
    """
    if episode_id < 1000:
        return int(round(episode_id ** (1.0 / 3))) ** 3 == episode_id  # noqa: RUF046 (numpy ints)
    return episode_id % 1000 == 0
