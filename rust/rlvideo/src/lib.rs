//! # rlvideo
//!
//! Record frames (RGB, RGBA or gray, 8-bit, any strides) to AV1 video in MP4 files without
//! stalling the caller: [`VideoWriter::write`] copies the frame once and returns, while
//! colour conversion, [rav1e] encoding and MP4 muxing run on a background thread behind a
//! queue bounded in bytes.
//!
//! Add it with `cargo add rlvideo --git <repository>` (not on crates.io yet; on x86_64,
//! rav1e's assembly needs `nasm` at build time, or use `default-features = false`). Then:
//!
//! ```no_run
//! use rlvideo::{EncoderOptions, FrameRef, PixelFormat, VideoWriter};
//!
//! let (width, height) = (600, 400);
//! let mut writer = VideoWriter::create("videos/episode-0.mp4", 50.0, EncoderOptions::default())?;
//! let mut canvas = vec![255u8; width * height * 3];
//! for step in 0..200 {
//!     let pixel = (step * 3) % canvas.len();
//!     canvas[pixel] = 0; // draw something
//!     writer.write(FrameRef::packed(&canvas, width, height, PixelFormat::Rgb)?)?;
//! }
//! let summary = writer.finish()?;
//! println!("{} frames, {} bytes in {}", summary.frames, summary.bytes, summary.path.display());
//! # Ok::<(), rlvideo::Error>(())
//! ```
//!
//! Colours are converted with BT.601 coefficients to limited-range YUV 4:2:0 (or 4:4:4, see
//! [`Chroma`]) and signalled as such in both the AV1 sequence header and the MP4 `colr` box.
//!
//! [rav1e]: https://crates.io/crates/rav1e

#![deny(missing_docs)]

mod budget;
mod color;
mod cpu;
mod encode;
mod error;
mod frame;
mod mux;
mod obu;
mod options;
mod pool;
mod shared;
mod timing;
mod worker;
mod writer;

pub use cpu::simd_level;
pub use error::{Error, Result};
pub use frame::{check_dimensions, FrameRef, PixelFormat, MAX_HEIGHT, MAX_PIXELS, MAX_WIDTH};
pub use options::{
    Chroma, EncoderOptions, DEFAULT_MEMORY_BUDGET, DEFAULT_QUANTIZER, MAX_KEYFRAME_INTERVAL,
    MAX_THREADS, MAX_TILES,
};
pub use pool::MAX_IDLE_BUFFER_BYTES;
pub use shared::{OwnedFrame, SharedFrame};
pub use timing::{FrameRate, MAX_FPS};
pub use worker::Summary;
pub use writer::VideoWriter;
