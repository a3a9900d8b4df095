"""The README's first command (`bash scripts/demo.sh`): a CartPole agent that learns, recorded
with `rlvideo.RecordVideo`, with a gallery page of the videos. Run as `python -m demo`."""
