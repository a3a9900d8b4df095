"""Decode our videos with PyAV (dav1d) and compare them with the frames that went in."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import av
import numpy as np

# Inverse of the BT.601 limited-range conversion rlvideo signals. We invert it exactly
# instead of asking swscale for rgb24: swscale's default fast path adds a bias of about one
# level per channel, which would blur what these tests measure (our encoder).
_Y_SCALE = 255.0 / 219.0
_C_SCALE = 255.0 / 224.0


def yuv_to_rgb(frame: av.VideoFrame) -> np.ndarray:
    """An exact BT.601 limited-range inverse of a yuv420p (chroma upsampled nearest-neighbour)
    or yuv444p frame."""
    h, w = frame.height, frame.width
    y, u, v = (plane.astype(np.float64) for plane in yuv_planes(frame))
    if frame.format.name == "yuv420p":
        u = u.repeat(2, 0).repeat(2, 1)[:h, :w]
        v = v.repeat(2, 0).repeat(2, 1)[:h, :w]
    yn = (y - 16) * _Y_SCALE
    un = (u - 128) * _C_SCALE
    vn = (v - 128) * _C_SCALE
    rgb = np.stack([yn + 1.402 * vn, yn - 0.344136 * un - 0.714136 * vn, yn + 1.772 * un], -1)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def decode(path: str | Path) -> list[np.ndarray]:
    """Every frame of the first video stream as (H, W, 3) uint8 RGB."""
    with av.open(str(path)) as container:
        return [yuv_to_rgb(f) for f in container.decode(video=0)]


def stream_info(path: str | Path) -> dict:
    """What a demuxer says about the video: codec, size, frame rate, duration, frames."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.demux(stream) if _.size)
        return {
            "codec_tag": stream.codec_tag,
            "decoder": stream.codec_context.name,
            "width": stream.codec_context.width,
            "height": stream.codec_context.height,
            "rate": stream.average_rate,
            "duration": float(stream.duration * stream.time_base),
            "frames": frames,
        }


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two uint8 images, in dB (inf when identical)."""
    assert a.shape == b.shape, (a.shape, b.shape)
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def min_psnr(expected: list[np.ndarray], decoded: list[np.ndarray]) -> float:
    """The worst frame's PSNR; the lists must have the same length."""
    assert len(expected) == len(decoded), (len(expected), len(decoded))
    return min(psnr(e, d) for e, d in zip(expected, decoded))


def play(env: Any, steps: int, seed: int = 0) -> None:
    """Random CartPole actions for `steps` steps from a seeded reset, resetting each time an
    episode ends."""
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    for _ in range(steps):
        *_, terminated, truncated, _ = env.step(int(rng.integers(2)))
        if terminated or truncated:
            env.reset()


def gradient(height: int, width: int, t: int = 0) -> np.ndarray:
    """A smooth RGB image (about two levels per pixel at most) that drifts with t."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 40 + min(2.0, 170 / max(width - 1, 1)) * x + t
    g = 30 + min(2.0, 190 / max(height - 1, 1)) * y
    b = 128 + 90 * np.sin((x + y) / 40.0 + t / 5.0)
    return np.clip(np.stack([r, g, b], -1), 0, 255).astype(np.uint8)


def env_renders(env_id: str, count: int, seed: int) -> list[np.ndarray]:
    """`count` renders of a Gymnasium env (reset when an episode ends) under a seeded random
    policy; ALE ids (``ALE/...``) register ale-py's envs first."""
    import gymnasium as gym

    if env_id.startswith("ALE/"):
        import ale_py

        gym.register_envs(ale_py)
    env = gym.make(env_id, render_mode="rgb_array")
    env.reset(seed=seed)
    env.action_space.seed(seed)
    frames = [env.render()]
    while len(frames) < count:
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
        frames.append(env.render())
    env.close()
    return frames


def cartpole_renders(count: int, seed: int) -> list[np.ndarray]:
    """`count` real CartPole-v1 renders (400x600 RGB) from a seeded random policy."""
    return env_renders("CartPole-v1", count, seed)


# --- Exact (YUV) decoding with two independent decoders, and playback in Chromium ---------

Planes = tuple[np.ndarray, np.ndarray, np.ndarray]


def yuv_planes(frame: av.VideoFrame) -> Planes:
    """The Y, U and V planes of a decoded yuv420p or yuv444p frame, without line padding
    (copies)."""
    assert frame.format.name in ("yuv420p", "yuv444p"), frame.format.name
    h, w = frame.height, frame.width
    ch, cw = ((h + 1) // 2, (w + 1) // 2) if frame.format.name == "yuv420p" else (h, w)
    sizes = [(h, w), (ch, cw), (ch, cw)]
    return tuple(  # type: ignore[return-value]
        np.frombuffer(p, np.uint8).reshape(-1, p.line_size)[:ph, :pw].copy()
        for p, (ph, pw) in zip(frame.planes, sizes)
    )


def decode_dav1d(path: str | Path) -> tuple[list[Planes], list[np.ndarray]]:
    """Every frame through PyAV (dav1d): exact YUV planes, and RGB as `decode` gives it."""
    planes, rgb = [], []
    with av.open(str(path)) as container:
        assert container.streams.video[0].codec_context.name == "libdav1d"
        for frame in container.decode(video=0):
            planes.append(yuv_planes(frame))
            rgb.append(yuv_to_rgb(frame))
    return planes, rgb


def decode_libaom(path: str | Path, width: int, height: int, chroma: str = "420") -> list[Planes]:
    """Every frame through libaom (the ffmpeg binary of imageio-ffmpeg, `-c:v libaom-av1`), as
    exact YUV planes: raw yuv420p (or yuv444p) out, every decoded frame passed through (no
    rate conversion, so no frame is dropped or repeated)."""
    import subprocess

    import imageio_ffmpeg

    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-nostdin", "-c:v", "libaom-av1"]
    cmd += ["-i", str(path), "-map", "0:v:0", "-fps_mode", "passthrough"]
    cmd += ["-f", "rawvideo", "-pix_fmt", f"yuv{chroma}p", "-"]
    run = subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    assert run.returncode == 0 and not run.stderr, run.stderr.decode(errors="replace")
    cw, ch = ((width + 1) // 2, (height + 1) // 2) if chroma == "420" else (width, height)
    frame_bytes = width * height + 2 * cw * ch
    data = np.frombuffer(run.stdout, np.uint8)
    assert data.size % frame_bytes == 0, (data.size, frame_bytes)
    frames = []
    for raw in data.reshape(-1, frame_bytes):
        y = raw[: width * height].reshape(height, width)
        u = raw[width * height : width * height + cw * ch].reshape(ch, cw)
        v = raw[width * height + cw * ch :].reshape(ch, cw)
        frames.append((y, u, v))
    return frames


def first_planes_difference(a: list[Planes], b: list[Planes]) -> str | None:
    """None when both decodes are bit-identical, else where they first differ."""
    if len(a) != len(b):
        return f"{len(a)} frames against {len(b)}"
    for index, (pa, pb) in enumerate(zip(a, b)):
        for name, x, y in zip("YUV", pa, pb):
            if x.shape != y.shape:
                return f"frame {index} plane {name}: shape {x.shape} against {y.shape}"
            if not np.array_equal(x, y):
                row, col = np.argwhere(x != y)[0]
                count = int(np.count_nonzero(x != y))
                return (
                    f"frame {index} plane {name}: {count} samples differ, first at row {row} "
                    f"col {col} ({x[row, col]} against {y[row, col]})"
                )
    return None


_PLAYER_PAGE = """<!doctype html>
<html><body>
<video id="video" muted playsinline preload="auto" src="VIDEO"></video>
<canvas id="canvas"></canvas>
<script>
const video = document.getElementById("video");
let readyAtLoad = -1;
video.addEventListener("loadeddata", () => { readyAtLoad = video.readyState; });
window.playback = new Promise((resolve) => {
  const finish = (event) => {
    let pixels = null;
    if (event === "ended" && video.videoWidth > 0) {
      const canvas = document.getElementById("canvas");
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      const context = canvas.getContext("2d", {willReadFrequently: true});
      context.drawImage(video, 0, 0);
      const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
      let text = "";
      for (let i = 0; i < data.length; i += 0x8000) {
        text += String.fromCharCode.apply(null, data.subarray(i, i + 0x8000));
      }
      pixels = btoa(text);
    }
    const quality = video.getVideoPlaybackQuality();
    resolve({
      event, ended: video.ended, readyState: video.readyState, readyAtLoad,
      width: video.videoWidth, height: video.videoHeight, duration: video.duration,
      currentTime: video.currentTime, error: video.error ? video.error.code : null,
      decodedFrames: quality.totalVideoFrames, droppedFrames: quality.droppedVideoFrames,
      pixels,
    });
  };
  video.addEventListener("ended", () => finish("ended"));
  video.addEventListener("error", () => finish("error"));
  setTimeout(() => finish("timeout"), TIMEOUT_MS);
  video.play().catch((e) => finish("play() failed: " + e));
});
</script>
</body></html>
"""


def evaluate_in_chromium(page: Path, expression: str, timeout: float = 30.0) -> Any:
    """Opens `page` (a file) in headless Chromium, waits for its load event, and returns the
    value of the JavaScript `expression` (awaited when it is a promise)."""
    import fcntl
    import json
    import os
    import select
    import shutil
    import subprocess
    import tempfile
    import time

    exe = shutil.which("chromium")
    assert exe, "chromium is not on PATH"
    to_chromium_r, to_chromium_w = os.pipe()
    from_chromium_r, from_chromium_w = os.pipe()
    # Out of the way of 3 and 4, which the child's redirections below write.
    high_r = fcntl.fcntl(to_chromium_r, fcntl.F_DUPFD, 10)
    high_w = fcntl.fcntl(from_chromium_w, fcntl.F_DUPFD, 10)
    os.close(to_chromium_r)
    os.close(from_chromium_w)
    profile = tempfile.mkdtemp(prefix="rlvideo-chromium-")
    args = [
        "--headless", "--no-sandbox", "--disable-gpu", "--mute-audio", "--no-first-run",
        "--autoplay-policy=no-user-gesture-required", "--allow-file-access-from-files",
        f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank",
    ]  # fmt: skip
    script = f'exec "$0" "$@" 3<&{high_r} 4>&{high_w} {high_r}<&- {high_w}>&-'
    process = subprocess.Popen(
        ["bash", "-c", script, exe, *args],
        pass_fds=(high_r, high_w),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(high_r)
    os.close(high_w)
    deadline = time.monotonic() + timeout + 30
    buffer = b""
    next_id = 0

    def receive() -> dict:
        nonlocal buffer
        while b"\0" not in buffer:
            left = deadline - time.monotonic()
            assert left > 0 and select.select([from_chromium_r], [], [], left)[0], "timeout"
            chunk = os.read(from_chromium_r, 1 << 20)
            assert chunk, "chromium closed the DevTools pipe"
            buffer += chunk
        message, _, buffer = buffer.partition(b"\0")
        return json.loads(message)

    def call(method: str, session: str | None = None, **params: object) -> dict:
        nonlocal next_id
        next_id += 1
        message: dict = {"id": next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(to_chromium_w, json.dumps(message).encode() + b"\0")
        while True:
            reply = receive()
            if reply.get("id") == next_id:
                assert "error" not in reply, (method, reply["error"])
                return reply["result"]
            events.append(reply)

    events: list[dict] = []
    try:
        target = call("Target.createTarget", url="about:blank")["targetId"]
        session = call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        call("Page.enable", session)
        call("Page.navigate", session, url=page.as_uri())
        while not any(e.get("method") == "Page.loadEventFired" for e in events):
            events.append(receive())
        result = call(
            "Runtime.evaluate",
            session,
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
        )
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        value = result["result"]["value"]
        call("Browser.close")
    finally:
        os.close(to_chromium_w)
        os.close(from_chromium_r)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)
    return value


def play_in_chromium(video: Path, timeout: float = 30.0) -> dict:
    """Play `video` to its end in headless Chromium (a page with a <video>, through file://) and
    return what the element reports: event ("ended", "error" or "timeout"), readyState,
    videoWidth/videoHeight, duration, decoded frames, and the last frame as RGBA pixels.

    Chromium is driven over the DevTools protocol on a pipe (fds 3 and 4, as Puppeteer does):
    `--dump-dom` would dump at the load event, and `--virtual-time-budget` does not wait for
    media playback, which runs on the real clock.
    """
    import base64

    page = video.parent / f"{video.stem}.html"
    html = _PLAYER_PAGE.replace("VIDEO", video.name)
    page.write_text(html.replace("TIMEOUT_MS", str(int(timeout * 1000))))
    state = evaluate_in_chromium(page, "window.playback", timeout)
    if state["pixels"] is not None:
        rgba = np.frombuffer(base64.b64decode(state["pixels"]), np.uint8)
        state["pixels"] = rgba.reshape(state["height"], state["width"], 4)
    return state


def changed_blocks(a: np.ndarray, b: np.ndarray, block: int) -> np.ndarray:
    """Per `block`x`block` block (partial ones at the edges included): do a and b differ?"""
    diff = (a != b).reshape(a.shape[0], a.shape[1], -1).any(-1)
    h, w = diff.shape
    rows, cols = -(-h // block), -(-w // block)
    padded = np.zeros((rows * block, cols * block), bool)
    padded[:h, :w] = diff
    return padded.reshape(rows, block, cols, block).any((1, 3))


def changed_area_psnr(expected: list[np.ndarray], decoded: list[np.ndarray]) -> float:
    """PSNR over the 8x8 blocks of each frame that differ from the previous expected frame,
    pooled over the clip (inf when nothing changes): where a block wrongly taken as static
    shows, even when it is too small to move a whole frame's PSNR."""
    assert len(expected) == len(decoded), (len(expected), len(decoded))
    squared, count = 0.0, 0
    for previous, frame, out in zip(expected, expected[1:], decoded[1:]):
        height, width = frame.shape[:2]
        mask = changed_blocks(previous, frame, 8).repeat(8, 0).repeat(8, 1)[:height, :width]
        error = frame[mask].astype(np.float64) - out[mask].astype(np.float64)
        squared += float(np.sum(error**2))
        count += error.size
    return float("inf") if squared == 0 else 10 * np.log10(255.0**2 * count / squared)


def wandb_offline_env(folder: Path) -> dict[str, str]:
    """The environment of a subprocess that runs wandb offline, its files under `folder`."""
    return {
        **os.environ,
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(folder),
        "WANDB_CONFIG_DIR": str(folder / "config"),
        "WANDB_CACHE_DIR": str(folder / "cache"),
    }
