// The crate's front page is its README, so the example people copy is the one the
// doctests compile and run.
#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod budget;
mod color;
mod cpu;
mod encode;
mod error;
mod faststart;
mod frame;
mod in_flight;
mod mux;
mod obu;
mod options;
mod pool;
mod prefault;
mod priority;
mod shared;
mod stream_copy;
mod timing;
mod upscale;
#[cfg(test)]
mod upstream_parity;
mod worker;
mod writer;

pub use cpu::simd_level;
pub use error::{Error, Result};
pub use frame::{
    check_dimensions, FrameRef, PixelFormat, StridedExtent, MAX_HEIGHT, MAX_PIXELS, MAX_WIDTH,
};
pub use in_flight::{
    default_max_videos_encoding, max_videos_encoding, set_max_videos_encoding, videos_encoding,
    MAX_VIDEOS_ENCODING_VAR,
};
pub use options::{
    Chroma, EncoderOptions, IntOption, AUTO_SCALE_MIN_SIDE, DEFAULT_FASTSTART, DEFAULT_LOW_LATENCY,
    DEFAULT_MEMORY_BUDGET, DEFAULT_QUANTIZER, DEFAULT_RL_TUNING, DEFAULT_STATIC_SKIP,
    KEYFRAME_INTERVAL, MAX_KEYFRAME_INTERVAL, MAX_THREADS, MAX_TILES, MEMORY_BUDGET, NICE,
    QUANTIZER, SCALE, SPEED, THREADS, TILES,
};
pub use pool::MAX_IDLE_BUFFER_BYTES;
pub use shared::{OwnedFrame, SharedFrame};
pub use timing::{FrameRate, DEFAULT_FPS, MAX_FPS};
pub use worker::Summary;
pub use writer::VideoWriter;
