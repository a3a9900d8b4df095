//! Whole-number nearest-neighbour enlargement (`EncoderOptions::scale`), done while the
//! frame is converted to YUV on the encoder thread: every source pixel becomes a
//! `scale x scale` block of the video. At an even scale each 2x2 colour sample of 4:2:0
//! then lies inside one source pixel, so one-pixel sprites and lines keep their own colour
//! in the Main profile.
//!
//! Hand-written rather than a resize crate (`pic-scale`, `fast_image_resize`, `image`):
//! those write the whole enlarged RGB frame, `scale²` times the source, before it could be
//! converted. Here at most two enlarged rows exist at a time (one chroma row's worth), and
//! a strip of rows that repeats the one above it, as most do, is copied in the YUV planes
//! instead of converted again. The result is exactly what converting the enlarged frame
//! (`np.repeat` along both axes) gives: the same yuvutils-rs routine sees the same rows.

use rav1e::prelude::Frame;

use crate::color;
use crate::error::Result;
use crate::frame::{Packed, PixelFormat};

/// Converts `src` enlarged `scale` times into the top-left `width * scale` x
/// `height * scale` corner of `dst` (the caller pads the rest). `rows` is reused scratch.
pub(crate) fn fill_scaled(
    src: Packed<'_>,
    scale: usize,
    dst: &mut Frame<u8>,
    rows: &mut Vec<u8>,
) -> Result<()> {
    match src.format {
        PixelFormat::Gray => {
            fill_gray(src, scale, dst, rows);
            Ok(())
        }
        PixelFormat::Rgb | PixelFormat::Rgba => fill_rgb(src, scale, dst, rows),
    }
}

fn fill_rgb(src: Packed<'_>, scale: usize, dst: &mut Frame<u8>, rows: &mut Vec<u8>) -> Result<()> {
    let ch = src.format.channels();
    let (width, height) = (src.width * scale, src.height * scale);
    let (xdec, ydec) = (dst.planes[1].cfg.xdec, dst.planes[1].cfg.ydec);
    // Rows converted together: the luma rows of one chroma row. In 4:2:0 an odd width or
    // height is made even by repeating the last column or row, as `color::fill_frame` does
    // for yuvutils-rs; the extra pixels land in the padding, which is overwritten after.
    let strip = 1 << ydec;
    let strip_width = width + (width & xdec);
    let row_len = strip_width * ch;
    rows.resize(strip * row_len, 0);
    let source_row = |y: usize| &src.data[y * src.width * ch..][..src.width * ch];
    let mut converted: Option<[usize; 2]> = None;
    for first in (0..height).step_by(strip) {
        // The source rows of this strip's (up to two) rows, the last one repeated past the end.
        let from = [first / scale, (first + strip - 1).min(height - 1) / scale];
        if converted == Some(from) {
            repeat_strip_above(dst, first, strip, strip_width);
            continue;
        }
        widen(source_row(from[0]), ch, scale, &mut rows[..row_len]);
        if strip == 2 {
            let (upper, lower) = rows.split_at_mut(row_len);
            if from[1] == from[0] {
                lower.copy_from_slice(upper); // a memcpy, faster than widening again
            } else {
                widen(source_row(from[1]), ch, scale, lower);
            }
        }
        let packed = Packed {
            data: rows,
            width: strip_width,
            height: strip,
            format: src.format,
        };
        color::convert_rgb_rows(packed, dst, first)?;
        converted = Some(from);
    }
    Ok(())
}

/// Copies the `strip` luma rows above `first` (and their chroma row or rows) down to
/// `first`: the strip shows the same source rows as the one above it.
fn repeat_strip_above(dst: &mut Frame<u8>, first: usize, strip: usize, width: usize) {
    for plane in dst.planes.iter_mut() {
        let (xdec, ydec) = (plane.cfg.xdec, plane.cfg.ydec);
        let (stride, len) = (plane.cfg.stride, (width + xdec) >> xdec);
        let (to, count) = (first >> ydec, strip >> ydec);
        let data = plane.data_origin_mut();
        for row in to..to + count {
            let above = (row - count) * stride;
            data.copy_within(above..above + len, row * stride);
        }
    }
}

/// Writes each `ch`-byte pixel of `row` `scale` times into `out`, then repeats the last
/// pixel over whatever of `out` is left (the column that evens out a 4:2:0 width).
fn widen(row: &[u8], ch: usize, scale: usize, out: &mut [u8]) {
    match ch {
        3 => widen_pixels::<3>(row, scale, out),
        _ => widen_pixels::<4>(row, scale, out),
    }
}

/// `widen` for `CH`-byte pixels: with the pixel size known at compile time each copy is a
/// load and a store; a slice copy of a run-time length calls `memmove` per pixel (most of
/// this stage's time in `perf` at first).
fn widen_pixels<const CH: usize>(row: &[u8], scale: usize, out: &mut [u8]) {
    let mut copies = out.chunks_exact_mut(CH);
    let mut last = [0u8; CH];
    for pixel in row.chunks_exact(CH) {
        last.copy_from_slice(pixel);
        for copy in copies.by_ref().take(scale) {
            copy.copy_from_slice(&last);
        }
    }
    for copy in copies {
        copy.copy_from_slice(&last);
    }
}

/// Gray: each source row's luma is computed once, at the enlarged width, and written to its
/// `scale` rows; chroma is neutral everywhere.
fn fill_gray(src: Packed<'_>, scale: usize, dst: &mut Frame<u8>, rows: &mut Vec<u8>) {
    let lut = color::gray_to_luma();
    let width = src.width * scale;
    rows.resize(width, 0);
    let y = &mut dst.planes[0];
    let stride = y.cfg.stride;
    let luma = y.data_origin_mut();
    for (sy, src_row) in src.data.chunks_exact(src.width).enumerate() {
        for (block, &g) in rows.chunks_exact_mut(scale).zip(src_row) {
            block.fill(lut[g as usize]);
        }
        for row in sy * scale..(sy + 1) * scale {
            luma[row * stride..][..width].copy_from_slice(rows);
        }
    }
    color::fill_neutral_chroma(dst, width, src.height * scale);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::PackedFrame;
    use rav1e::prelude::ChromaSampling;

    /// Deterministic noise: every pixel differs from its neighbours, so a wrong row or column
    /// anywhere shows.
    fn noise(width: usize, height: usize, format: PixelFormat, seed: u32) -> PackedFrame {
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        let data = (0..width * height * format.channels())
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 24) as u8
            })
            .collect();
        PackedFrame {
            data,
            width,
            height,
            format,
        }
    }

    /// What `np.repeat(np.repeat(frame, scale, 0), scale, 1)` gives.
    fn repeated(src: &PackedFrame, scale: usize) -> PackedFrame {
        let ch = src.format.channels();
        let mut data = Vec::with_capacity(src.data.len() * scale * scale);
        for row in src.data.chunks_exact(src.width * ch) {
            let mut wide = Vec::with_capacity(row.len() * scale);
            for pixel in row.chunks_exact(ch) {
                for _ in 0..scale {
                    wide.extend_from_slice(pixel);
                }
            }
            for _ in 0..scale {
                data.extend_from_slice(&wide);
            }
        }
        PackedFrame {
            data,
            width: src.width * scale,
            height: src.height * scale,
            format: src.format,
        }
    }

    fn frame_for(width: usize, height: usize, cs: ChromaSampling) -> Frame<u8> {
        Frame::new_with_padding(width.max(16), height.max(16), cs, 64)
    }

    /// Every plane, padding included, as `fill_frame` leaves it.
    fn planes(frame: &Frame<u8>) -> Vec<Vec<u8>> {
        frame.planes.iter().map(|p| p.data.to_vec()).collect()
    }

    #[test]
    fn an_enlarged_frame_is_the_conversion_of_the_repeated_frame() {
        let formats = [PixelFormat::Rgb, PixelFormat::Rgba, PixelFormat::Gray];
        let sizes = [(1, 1), (2, 3), (7, 5), (16, 16), (33, 17), (160, 210)];
        for cs in [ChromaSampling::Cs420, ChromaSampling::Cs444] {
            for format in formats {
                for (i, &(w, h)) in sizes.iter().enumerate() {
                    for scale in 2..=5 {
                        let src = noise(w, h, format, (i * 10 + scale) as u32);
                        let (sw, sh) = (w * scale, h * scale);
                        let mut scaled = frame_for(sw, sh, cs);
                        color::fill_frame(src.packed(), scale, &mut scaled, &mut Vec::new())
                            .unwrap();
                        let mut expected = frame_for(sw, sh, cs);
                        let big = repeated(&src, scale);
                        color::fill_frame(big.packed(), 1, &mut expected, &mut Vec::new()).unwrap();
                        assert!(
                            planes(&scaled) == planes(&expected),
                            "{format:?} {w}x{h} x{scale} in {cs:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn at_scale_2_each_pixel_keeps_its_own_colour_in_420() {
        // A one-pixel red column beside a one-pixel blue one on black: at scale 1 they share
        // chroma samples; at scale 2 each owns its own.
        let (w, h) = (6, 3);
        let mut data = vec![0u8; w * h * 3];
        for row in data.chunks_exact_mut(w * 3) {
            row[2 * 3] = 255; // red at x = 2
            row[3 * 3 + 2] = 255; // blue at x = 3
        }
        let src = PackedFrame {
            data,
            width: w,
            height: h,
            format: PixelFormat::Rgb,
        };
        let mut frame = frame_for(w * 2, h * 2, ChromaSampling::Cs420);
        let mut rows = Vec::new();
        color::fill_frame(src.packed(), 2, &mut frame, &mut rows).unwrap();
        let [y, u, v] = &frame.planes;
        for row in 0..h {
            // BT.601 limited: red Y 81, U 90, V 240; blue Y 41, U 240, V 110.
            assert_eq!((u.p(2, row), v.p(2, row)), (90, 240), "red's chroma");
            assert_eq!((u.p(3, row), v.p(3, row)), (240, 110), "blue's chroma");
            assert_eq!((y.p(4, 2 * row + 1), y.p(7, 2 * row)), (81, 41));
        }
    }
}
