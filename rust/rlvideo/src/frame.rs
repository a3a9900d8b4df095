//! Borrowed frame views (any strides) and the packed copies handed to the encoder thread.

use crate::error::{Error, Result};
use crate::stream_copy;

/// Widest frame accepted: `MaxHSize` of AV1's largest defined level, 6.3 (spec annex A.3).
pub const MAX_WIDTH: usize = 16384;
/// Tallest frame accepted: `MaxVSize` of AV1 level 6.3.
pub const MAX_HEIGHT: usize = 8704;
/// Most pixels in one frame: `MaxPicSize` of AV1 level 6.3 (8192x4352). A frame this size
/// takes seconds to encode and over 100 MB in the queue; anything bigger is beyond every
/// AV1 level, so decoders may refuse it, and it would only stall the writer.
pub const MAX_PIXELS: usize = 35_651_584;

/// The pixel layout of an input frame; always 8 bits per channel.
///
/// ```
/// use rlvideo::PixelFormat;
///
/// assert_eq!(PixelFormat::from_channels(4), Some(PixelFormat::Rgba));
/// assert_eq!(PixelFormat::Rgb.channels(), 3);
/// assert_eq!(PixelFormat::from_channels(2), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    /// Red, green, blue.
    Rgb,
    /// Red, green, blue, alpha; alpha is ignored.
    Rgba,
    /// One luminance channel.
    Gray,
}

impl PixelFormat {
    /// Channels per pixel.
    pub fn channels(self) -> usize {
        match self {
            PixelFormat::Rgb => 3,
            PixelFormat::Rgba => 4,
            PixelFormat::Gray => 1,
        }
    }

    /// The format whose pixels have `channels` channels, if there is one.
    pub fn from_channels(channels: usize) -> Option<Self> {
        match channels {
            1 => Some(PixelFormat::Gray),
            3 => Some(PixelFormat::Rgb),
            4 => Some(PixelFormat::Rgba),
            _ => None,
        }
    }
}

/// The bytes a strided frame reaches around its first byte (pixel (0, 0), channel 0): from
/// `before` bytes below it to `after` bytes above it. With negative strides (a flipped
/// view) the first byte is not the lowest; a front end that hands over memory it does not
/// own (the Python binding, a numpy array) takes exactly this span.
///
/// ```
/// use rlvideo::{PixelFormat, StridedExtent};
///
/// // 2 rows of 4 RGB pixels, bottom-up: the first row starts 12 bytes above the second.
/// let extent = StridedExtent::of(4, 2, PixelFormat::Rgb, [-12, 3, 1])?;
/// assert_eq!((extent.before, extent.after, extent.bytes()), (12, 11, 24));
/// # Ok::<(), rlvideo::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StridedExtent {
    /// Bytes reached below the first byte.
    pub before: usize,
    /// Bytes reached above the first byte.
    pub after: usize,
}

impl StridedExtent {
    /// The span of a `width` x `height` frame of `format` whose pixel `(x, y)`, channel `c`
    /// is `y * strides[0] + x * strides[1] + c * strides[2]` bytes from the first byte.
    /// [`Error::InvalidFrame`] for a size [`check_dimensions`] refuses or a span beyond the
    /// address space.
    pub fn of(
        width: usize,
        height: usize,
        format: PixelFormat,
        strides: [isize; 3],
    ) -> Result<Self> {
        check_dimensions(width, height)?;
        let extents = [
            (height, strides[0]),
            (width, strides[1]),
            (format.channels(), strides[2]),
        ];
        let (mut below, mut above) = (0i128, 0i128);
        for (count, stride) in extents {
            let span = (count as i128 - 1) * stride as i128;
            if span < 0 {
                below -= span;
            } else {
                above += span;
            }
        }
        match (usize::try_from(below), usize::try_from(above)) {
            (Ok(before), Ok(after))
                if before.checked_add(after).is_some_and(|n| n < usize::MAX) =>
            {
                Ok(StridedExtent { before, after })
            }
            _ => Err(Error::InvalidFrame(format!(
                "a {width}x{height} {format:?} view with strides {strides:?} spans more bytes \
                 than memory holds"
            ))),
        }
    }

    /// Bytes from the lowest to the highest reached, both included.
    pub fn bytes(&self) -> usize {
        self.before + self.after + 1
    }
}

/// A read-only view of one frame in memory the caller owns, with arbitrary (even negative)
/// strides, as a numpy array or an image crate's buffer would describe it.
///
/// Strides are in bytes. `data` must cover every byte the view reads; the constructors
/// check that, so a `FrameRef` can never read out of bounds.
///
/// ```
/// use rlvideo::{FrameRef, PixelFormat};
///
/// // A 4x2 RGB canvas stored bottom-up (as OpenGL reads pixels back), shown top-down
/// // through a negative row stride that starts at the last row.
/// let (width, height) = (4, 2);
/// let canvas = vec![0u8; width * height * 3];
/// let row = (width * 3) as isize;
/// let origin = (height - 1) * width * 3;
/// let view = FrameRef::strided(&canvas, origin, width, height, PixelFormat::Rgb, [-row, 3, 1])?;
/// assert_eq!((view.width(), view.height(), view.packed_len()), (4, 2, 24));
///
/// // A view that would read past the buffer is refused.
/// assert!(FrameRef::packed(&canvas[..10], width, height, PixelFormat::Rgb).is_err());
/// # Ok::<(), rlvideo::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FrameRef<'a> {
    data: &'a [u8],
    origin: usize,
    width: usize,
    height: usize,
    format: PixelFormat,
    row_stride: isize,
    pixel_stride: isize,
    channel_stride: isize,
}

impl<'a> FrameRef<'a> {
    /// A tightly packed frame: rows of `width * channels` bytes, one after the other.
    pub fn packed(
        data: &'a [u8],
        width: usize,
        height: usize,
        format: PixelFormat,
    ) -> Result<Self> {
        let ch = format.channels() as isize;
        Self::strided(data, 0, width, height, format, [width as isize * ch, ch, 1])
    }

    /// A frame whose pixel `(x, y)`, channel `c` is the byte at
    /// `origin + y * strides[0] + x * strides[1] + c * strides[2]` of `data`.
    pub fn strided(
        data: &'a [u8],
        origin: usize,
        width: usize,
        height: usize,
        format: PixelFormat,
        strides: [isize; 3],
    ) -> Result<Self> {
        let extent = StridedExtent::of(width, height, format, strides)?;
        let (lowest, highest) = (
            origin as i128 - extent.before as i128,
            origin as i128 + extent.after as i128,
        );
        if lowest < 0 || highest >= data.len() as i128 {
            return Err(Error::InvalidFrame(format!(
                "a {width}x{height} {format:?} view with strides {strides:?} from byte {origin} \
                 reads bytes {lowest}..={highest}, but the buffer has {} bytes",
                data.len()
            )));
        }
        Ok(FrameRef {
            data,
            origin,
            width,
            height,
            format,
            row_stride: strides[0],
            pixel_stride: strides[1],
            channel_stride: strides[2],
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

    /// Pixel layout.
    pub fn format(&self) -> PixelFormat {
        self.format
    }

    /// Bytes of the packed copy of this frame.
    pub fn packed_len(&self) -> usize {
        self.width * self.height * self.format.channels()
    }

    /// The frame's bytes as one slice, if its rows are tightly packed one after the other
    /// (then it needs no copy before colour conversion).
    pub(crate) fn as_packed(&self) -> Option<Packed<'a>> {
        let ch = self.format.channels();
        let tight = self.channel_stride == 1
            && self.pixel_stride == ch as isize
            && self.row_stride == (self.width * ch) as isize;
        tight.then(|| Packed {
            data: &self.data[self.origin..self.origin + self.packed_len()],
            width: self.width,
            height: self.height,
            format: self.format,
        })
    }

    /// Copies the frame into `out` as tightly packed rows (resizing `out`), so the caller's
    /// buffer may be reused as soon as this returns. The copy is for another thread (the
    /// encoder's queue), so a contiguous frame is copied in one go without reading `out`
    /// into this core's caches (see `stream_copy`).
    pub(crate) fn pack_into(&self, out: &mut Vec<u8>) {
        out.clear();
        if let Some(packed) = self.as_packed() {
            stream_copy::extend_streaming(out, packed.data);
            return;
        }
        let ch = self.format.channels();
        let row_len = self.width * ch;
        out.reserve(self.packed_len());
        if self.channel_stride == 1 && self.pixel_stride == ch as isize {
            for y in 0..self.height {
                let start = self.offset(0, y, 0);
                out.extend_from_slice(&self.data[start..start + row_len]);
            }
        } else {
            for y in 0..self.height {
                for x in 0..self.width {
                    for c in 0..ch {
                        out.push(self.data[self.offset(x, y, c)]);
                    }
                }
            }
        }
    }

    fn offset(&self, x: usize, y: usize, c: usize) -> usize {
        // In bounds by construction: `strided` checked the extreme offsets.
        (self.origin as isize
            + y as isize * self.row_stride
            + x as isize * self.pixel_stride
            + c as isize * self.channel_stride) as usize
    }
}

/// ```
/// assert!(rlvideo::check_dimensions(600, 400).is_ok());
/// let err = rlvideo::check_dimensions(40_000, 40_000).unwrap_err();
/// assert!(err.to_string().contains("at most 16384x8704"));
/// ```
///
/// Rejects sizes beyond AV1's largest level (see [`MAX_WIDTH`], [`MAX_HEIGHT`],
/// [`MAX_PIXELS`]), naming the limit. Cheap: called before any pixel is read.
pub fn check_dimensions(width: usize, height: usize) -> Result<()> {
    let limit = if width == 0 || height == 0 {
        "at least 1x1 pixels".to_string()
    } else if width > MAX_WIDTH || height > MAX_HEIGHT {
        format!("at most {MAX_WIDTH}x{MAX_HEIGHT} pixels (width x height, AV1 level 6.3)")
    } else if width * height > MAX_PIXELS {
        format!("at most {MAX_PIXELS} pixels in all (8192x4352, AV1 level 6.3)")
    } else {
        return Ok(());
    };
    Err(Error::InvalidFrame(format!(
        "frame size must be {limit}, got {width}x{height}"
    )))
}

/// A frame copied out of the caller's memory, waiting for the encoder thread.
#[derive(Debug)]
pub(crate) struct PackedFrame {
    pub data: Vec<u8>,
    pub width: usize,
    pub height: usize,
    pub format: PixelFormat,
}

impl PackedFrame {
    pub fn packed(&self) -> Packed<'_> {
        Packed {
            data: &self.data,
            width: self.width,
            height: self.height,
            format: self.format,
        }
    }
}

/// Tightly packed pixels (rows of `width * channels` bytes, one after the other): what the
/// colour conversion reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Packed<'a> {
    pub data: &'a [u8],
    pub width: usize,
    pub height: usize,
    pub format: PixelFormat,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_a_vertically_flipped_view() {
        // 2x2 gray, rows [1,2] and [3,4]; view it upside down with a negative row stride.
        let data = [1u8, 2, 3, 4];
        let view = FrameRef::strided(&data, 2, 2, 2, PixelFormat::Gray, [-2, 1, 1]).unwrap();
        let mut out = Vec::new();
        view.pack_into(&mut out);
        assert_eq!(out, [3, 4, 1, 2]);
    }

    #[test]
    fn packs_a_planar_view_into_interleaved_pixels() {
        // Channel-major (like a Fortran-ordered or transposed array): R plane, G plane, B plane.
        let data = [10u8, 11, 20, 21, 30, 31];
        let view = FrameRef::strided(&data, 0, 2, 1, PixelFormat::Rgb, [2, 1, 2]).unwrap();
        let mut out = Vec::new();
        view.pack_into(&mut out);
        assert_eq!(out, [10, 20, 30, 11, 21, 31]);
    }

    #[test]
    fn sizes_follow_av1_level_6_3() {
        for (w, h) in [(1, 1), (MAX_WIDTH, 16), (16, MAX_HEIGHT), (8192, 4352)] {
            assert!(check_dimensions(w, h).is_ok(), "{w}x{h}");
        }
        for (w, h, words) in [
            (0, 5, "at least 1x1"),
            (MAX_WIDTH + 1, 1, "at most 16384x8704"),
            (1, MAX_HEIGHT + 1, "at most 16384x8704"),
            (8192, 4353, "at most 35651584 pixels"),
        ] {
            let err = check_dimensions(w, h).unwrap_err().to_string();
            assert!(
                err.contains(words) && err.contains(&format!("got {w}x{h}")),
                "{err}"
            );
        }
    }

    #[test]
    fn rejects_a_view_that_reads_past_the_buffer() {
        let data = [0u8; 11];
        let err = FrameRef::packed(&data, 2, 2, PixelFormat::Rgb).unwrap_err();
        assert!(err.to_string().contains("the buffer has 11 bytes"), "{err}");
    }

    #[test]
    fn rejects_zero_sized_frames() {
        let err = FrameRef::packed(&[], 0, 4, PixelFormat::Gray).unwrap_err();
        assert!(err.to_string().contains("got 0x4"), "{err}");
    }
}
