//! RGB/RGBA/gray -> YUV 4:2:0 or 4:4:4 (whichever the frame's planes are laid out for),
//! written straight into rav1e's frame planes.
//!
//! We convert with BT.601 coefficients into limited ("TV", 16-235) range: the combination
//! every decoder and player assumes when nothing is signalled, so even a tool that ignores
//! our signalling shows the right colours. We still signal it explicitly, in the AV1
//! sequence header ([`AV1_COLOR`]) and in the MP4 `colr` box ([`NCLX`]).

use rav1e::color::{
    ColorDescription, ColorPrimaries, MatrixCoefficients, PixelRange, TransferCharacteristics,
};
use rav1e::prelude::Frame;
use yuvutils_rs::{
    BufferStoreMut, YuvConversionMode, YuvPlanarImageMut, YuvRange, YuvStandardMatrix,
};

use crate::error::{Error, Result};
use crate::frame::{Packed, PackedFrame, PixelFormat};

/// Colour description written into the AV1 sequence header: sRGB content (BT.709
/// primaries, sRGB transfer) carried with the BT.601 matrix.
pub const AV1_COLOR: ColorDescription = ColorDescription {
    color_primaries: ColorPrimaries::BT709,
    transfer_characteristics: TransferCharacteristics::SRGB,
    matrix_coefficients: MatrixCoefficients::BT601,
};

/// Sample range written into the AV1 sequence header.
pub const AV1_RANGE: PixelRange = PixelRange::Limited;

/// The same description as ISO/IEC 23091-2 code points for the MP4 `colr` (nclx) box:
/// (colour_primaries, transfer_characteristics, matrix_coefficients, full_range).
pub const NCLX: (u16, u16, u16, bool) = (1, 13, 6, false);

/// Converts `src`, enlarged `scale` times each way (see [`crate::upscale`]), into the
/// top-left corner of `dst` and replicates its edges over the rest of the planes (the
/// padding up to rav1e's 16x16 minimum and the encoder's own borders). `rows` is scratch
/// space the enlarged path reuses from frame to frame.
pub(crate) fn fill_frame(
    src: Packed<'_>,
    scale: usize,
    dst: &mut Frame<u8>,
    rows: &mut Vec<u8>,
) -> Result<()> {
    let (w, h) = (src.width * scale, src.height * scale);
    if scale > 1 {
        crate::upscale::fill_scaled(src, scale, dst, rows)?;
    } else {
        let subsampled = dst.planes[1].cfg.xdec == 1;
        match src.format {
            PixelFormat::Gray => fill_from_gray(src, dst),
            PixelFormat::Rgb | PixelFormat::Rgba => match padded_to_even(src, subsampled) {
                Some(even) => convert_rgb_rows(even.packed(), dst, 0)?,
                None => convert_rgb_rows(src, dst, 0)?,
            },
        }
    }
    for plane in dst.planes.iter_mut() {
        plane.pad(w, h);
    }
    Ok(())
}

/// Converts the RGB or RGBA rows `src` into `dst` from luma row `first_row` on (even in
/// 4:2:0, where two luma rows share a chroma row) with yuvutils-rs.
pub(crate) fn convert_rgb_rows(
    src: Packed<'_>,
    dst: &mut Frame<u8>,
    first_row: usize,
) -> Result<()> {
    let [y, u, v] = &mut dst.planes;
    let subsampled = u.cfg.xdec == 1;
    let chroma_row = first_row >> u.cfg.ydec;
    let (y_stride, u_stride, v_stride) = (y.cfg.stride, u.cfg.stride, v.cfg.stride);
    let mut image = YuvPlanarImageMut {
        y_stride: y_stride as u32,
        u_stride: u_stride as u32,
        v_stride: v_stride as u32,
        y_plane: BufferStoreMut::Borrowed(&mut y.data_origin_mut()[first_row * y_stride..]),
        u_plane: BufferStoreMut::Borrowed(&mut u.data_origin_mut()[chroma_row * u_stride..]),
        v_plane: BufferStoreMut::Borrowed(&mut v.data_origin_mut()[chroma_row * v_stride..]),
        width: src.width as u32,
        height: src.height as u32,
    };
    let channels = src.format.channels();
    let stride = (src.width * channels) as u32;
    let convert = match (channels == 4, subsampled) {
        (true, true) => yuvutils_rs::rgba_to_yuv420,
        (false, true) => yuvutils_rs::rgb_to_yuv420,
        (true, false) => yuvutils_rs::rgba_to_yuv444,
        (false, false) => yuvutils_rs::rgb_to_yuv444,
    };
    convert(
        &mut image,
        src.data,
        stride,
        YuvRange::Limited,
        YuvStandardMatrix::Bt601,
        YuvConversionMode::Balanced,
    )
    .map_err(|e| Error::Encoder(format!("colour conversion failed: {e}")))
}

/// yuvutils-rs leaves the last luma column/row of an odd-sized image unconverted in 4:2:0,
/// so an odd-sized frame to be subsampled is first extended by one replicated column/row.
/// The extra pixels land in the planes' padding, which `fill_frame` overwrites right after.
fn padded_to_even(src: Packed<'_>, subsampled: bool) -> Option<PackedFrame> {
    let (w, h) = (src.width, src.height);
    if !subsampled || (w % 2 == 0 && h % 2 == 0) {
        return None;
    }
    let ch = src.format.channels();
    let (even_w, even_h) = (w + w % 2, h + h % 2);
    let mut data = Vec::with_capacity(even_w * even_h * ch);
    for row in src.data.chunks_exact(w * ch) {
        data.extend_from_slice(row);
        if even_w != w {
            data.extend_from_slice(&row[(w - 1) * ch..]);
        }
    }
    if even_h != h {
        data.extend_from_within(data.len() - even_w * ch..);
    }
    Some(PackedFrame {
        data,
        width: even_w,
        height: even_h,
        format: src.format,
    })
}

/// Gray has no library routine worth calling: luma is a range squeeze (a 256-entry table)
/// and both chroma planes are the neutral value.
fn fill_from_gray(src: Packed<'_>, dst: &mut Frame<u8>) {
    let lut = gray_to_luma();
    let y = &mut dst.planes[0];
    let stride = y.cfg.stride;
    let luma = y.data_origin_mut();
    for (row, src_row) in src.data.chunks_exact(src.width).enumerate() {
        let out = &mut luma[row * stride..row * stride + src.width];
        for (o, &g) in out.iter_mut().zip(src_row) {
            *o = lut[g as usize];
        }
    }
    fill_neutral_chroma(dst, src.width, src.height);
}

/// Full-range gray level -> limited-range luma.
pub(crate) fn gray_to_luma() -> [u8; 256] {
    std::array::from_fn(|g| (16.0 + g as f32 * 219.0 / 255.0).round() as u8)
}

/// Sets both chroma planes of a `width x height` picture to the neutral value (gray).
pub(crate) fn fill_neutral_chroma(dst: &mut Frame<u8>, width: usize, height: usize) {
    let [_, u, v] = &mut dst.planes;
    let (cw, ch) = (
        width.div_ceil(1 << u.cfg.xdec),
        height.div_ceil(1 << u.cfg.ydec),
    );
    for plane in [u, v] {
        let stride = plane.cfg.stride;
        let data = plane.data_origin_mut();
        for row in 0..ch {
            data[row * stride..row * stride + cw].fill(128);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rav1e::prelude::ChromaSampling;

    fn convert(width: usize, height: usize, rgb: [u8; 3]) -> Frame<u8> {
        convert_to(width, height, rgb, ChromaSampling::Cs420)
    }

    fn convert_to(width: usize, height: usize, rgb: [u8; 3], cs: ChromaSampling) -> Frame<u8> {
        let src = PackedFrame {
            data: rgb.repeat(width * height),
            width,
            height,
            format: PixelFormat::Rgb,
        };
        let mut frame = Frame::new_with_padding(width.max(16), height.max(16), cs, 64);
        fill_frame(src.packed(), 1, &mut frame, &mut Vec::new()).unwrap();
        frame
    }

    #[test]
    fn odd_and_tiny_sizes_fill_every_plane() {
        for (w, h) in [
            (1, 1),
            (2, 2),
            (3, 3),
            (15, 7),
            (16, 16),
            (17, 17),
            (601, 401),
        ] {
            let frame = convert(w, h, [255, 0, 0]);
            let y = &frame.planes[0];
            let v = &frame.planes[2];
            // BT.601 limited red: Y = 81, V = 240.
            for (x, yy) in [(0, 0), (w - 1, h - 1), (w.max(16) - 1, h.max(16) - 1)] {
                assert_eq!(y.p(x, yy), 81, "luma at {x},{yy} of {w}x{h}");
                assert_eq!(v.p(x / 2, yy / 2), 240, "V at {x},{yy} of {w}x{h}");
            }
        }
    }

    #[test]
    fn full_colour_keeps_one_chroma_sample_per_pixel() {
        // A one-pixel-wide red line on black stays red in 4:4:4 and only there.
        let (w, h) = (17, 9);
        let mut data = vec![0u8; w * h * 3];
        for row in data.chunks_exact_mut(w * 3) {
            row[5 * 3] = 255;
        }
        let src = PackedFrame {
            data,
            width: w,
            height: h,
            format: PixelFormat::Rgb,
        };
        let mut frame = Frame::new_with_padding(w.max(16), h.max(16), ChromaSampling::Cs444, 64);
        fill_frame(src.packed(), 1, &mut frame, &mut Vec::new()).unwrap();
        let [y, u, v] = &frame.planes;
        for row in [0, h - 1] {
            assert_eq!((y.p(5, row), v.p(5, row)), (81, 240), "red pixel");
            assert_eq!(
                (y.p(4, row), u.p(4, row), v.p(4, row)),
                (16, 128, 128),
                "black"
            );
            assert_eq!((y.p(6, row), v.p(6, row)), (16, 128), "black");
        }
        // Odd sizes need no even padding: the last column and row are converted too.
        let odd = convert_to(w, h, [0, 0, 255], ChromaSampling::Cs444);
        assert_eq!(
            odd.planes[1].p(w - 1, h - 1),
            240,
            "U of blue at the corner"
        );
    }

    #[test]
    fn gray_fills_full_size_chroma_planes_with_neutral() {
        let src = PackedFrame {
            data: vec![255; 20 * 18],
            width: 20,
            height: 18,
            format: PixelFormat::Gray,
        };
        let mut frame = Frame::new_with_padding(20, 18, ChromaSampling::Cs444, 64);
        fill_frame(src.packed(), 1, &mut frame, &mut Vec::new()).unwrap();
        assert_eq!(frame.planes[0].p(19, 17), 235);
        assert_eq!(
            (frame.planes[1].p(19, 17), frame.planes[2].p(19, 17)),
            (128, 128)
        );
    }
}
