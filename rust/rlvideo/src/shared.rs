//! Frames the writer keeps instead of copying ([`VideoWriter::write_shared`]), and what the
//! queue to the encoder thread carries.
//!
//! [`VideoWriter::write_shared`]: crate::VideoWriter::write_shared

use crate::error::{Error, Result};
use crate::frame::{check_dimensions, FrameRef, PackedFrame, PixelFormat};

/// A frame whose memory the writer may hold until the encoder thread has read it, so
/// [`VideoWriter::write_shared`](crate::VideoWriter::write_shared) needs no copy.
///
/// The encoder thread calls [`view`](Self::view) once, converts the pixels, then drops the
/// frame. Whoever implements this promises that the pixels do not change until then.
///
/// ```no_run
/// use std::sync::Arc;
/// use rlvideo::{EncoderOptions, FrameRef, PixelFormat, SharedFrame, VideoWriter};
///
/// /// A rendered frame shared with the rest of a simulation through an `Arc`.
/// struct Rendered(Arc<Vec<u8>>);
///
/// impl SharedFrame for Rendered {
///     fn view(&self) -> rlvideo::Result<FrameRef<'_>> {
///         FrameRef::packed(&self.0, 64, 48, PixelFormat::Rgb)
///     }
/// }
///
/// let mut writer = VideoWriter::create("sim.mp4", 30.0, EncoderOptions::default())?;
/// let frame = Arc::new(vec![0u8; 64 * 48 * 3]);
/// writer.write_shared(Rendered(Arc::clone(&frame)))?;
/// writer.finish()?;
/// # Ok::<(), rlvideo::Error>(())
/// ```
pub trait SharedFrame: Send + 'static {
    /// The pixels. Must describe the same memory, size and format on every call.
    fn view(&self) -> Result<FrameRef<'_>>;

    /// Bytes of memory this frame keeps alive while it waits, charged to the memory budget
    /// (never less than its packed size). `None`, the default, means its packed size; a
    /// sparse view of a larger buffer should say how much it holds.
    fn held_bytes(&self) -> Option<usize> {
        None
    }
}

/// Pixels in a `Vec<u8>` the writer takes over: rows of `width * channels` bytes.
///
/// ```
/// use rlvideo::{OwnedFrame, PixelFormat};
///
/// let frame = OwnedFrame::new(vec![0u8; 64 * 48 * 3], 64, 48, PixelFormat::Rgb)?;
/// assert_eq!(frame.width(), 64);
/// # Ok::<(), rlvideo::Error>(())
/// ```
#[derive(Debug)]
pub struct OwnedFrame {
    data: Vec<u8>,
    width: usize,
    height: usize,
    format: PixelFormat,
}

impl OwnedFrame {
    /// Checks that `data` holds exactly one packed `width x height` frame.
    pub fn new(data: Vec<u8>, width: usize, height: usize, format: PixelFormat) -> Result<Self> {
        check_dimensions(width, height)?;
        let expected = width * height * format.channels();
        if data.len() != expected {
            return Err(Error::InvalidFrame(format!(
                "a packed {width}x{height} {format:?} frame has {expected} bytes, got {}",
                data.len()
            )));
        }
        Ok(OwnedFrame {
            data,
            width,
            height,
            format,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Gives the pixels back.
    pub fn into_vec(self) -> Vec<u8> {
        self.data
    }
}

impl SharedFrame for OwnedFrame {
    fn view(&self) -> Result<FrameRef<'_>> {
        FrameRef::packed(&self.data, self.width, self.height, self.format)
    }
}

/// One frame on its way to the encoder thread.
pub(crate) enum QueuedFrame {
    /// Copied by `write` into a pool buffer.
    Copied(PackedFrame),
    /// Kept as the caller handed it over; `bytes` is what it holds (at least its packed
    /// size), `size` its `(width, height)` when it was queued.
    Shared {
        frame: Box<dyn SharedFrame>,
        bytes: usize,
        size: (usize, usize),
    },
}

impl QueuedFrame {
    /// Bytes charged to the memory budget for this frame.
    pub fn bytes(&self) -> usize {
        match self {
            QueuedFrame::Copied(frame) => frame.data.len(),
            QueuedFrame::Shared { bytes, .. } => *bytes,
        }
    }
}
