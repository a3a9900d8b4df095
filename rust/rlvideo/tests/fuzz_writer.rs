//! Property test of the writer: random sizes, pixel formats, memory layouts and frame
//! sequences always give an MP4 with every frame, or a clear error; never a panic.
//! `RLVIDEO_FUZZ_CASES` sets the number of cases (default 24; the long run uses 500).

use std::path::PathBuf;

use mp4_atom::{Any, ReadFrom};
use proptest::prelude::*;
use rlvideo::{EncoderOptions, FrameRef, PixelFormat, VideoWriter};

#[derive(Debug, Clone, Copy)]
enum Layout {
    Packed,
    PaddedRows,
    Flipped,
    ChannelsReversed,
    EveryOtherPixel,
}

fn layout() -> impl Strategy<Value = Layout> {
    prop_oneof![
        Just(Layout::Packed),
        Just(Layout::PaddedRows),
        Just(Layout::Flipped),
        Just(Layout::ChannelsReversed),
        Just(Layout::EveryOtherPixel),
    ]
}

fn format() -> impl Strategy<Value = PixelFormat> {
    prop_oneof![
        Just(PixelFormat::Rgb),
        Just(PixelFormat::Rgba),
        Just(PixelFormat::Gray)
    ]
}

/// A buffer and the view into it that `layout` describes, filled from `seed`.
fn frame_buffer(
    w: usize,
    h: usize,
    format: PixelFormat,
    layout: Layout,
    seed: u8,
) -> (Vec<u8>, usize, [isize; 3]) {
    let ch = format.channels();
    let (pixel_step, row_pad) = match layout {
        Layout::EveryOtherPixel => (2, 0),
        Layout::PaddedRows => (1, 13),
        _ => (1, 0),
    };
    let row = w * pixel_step * ch + row_pad;
    let data: Vec<u8> = (0..row * h)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect();
    let (pixel, channel) = ((pixel_step * ch) as isize, 1isize);
    let (origin, strides) = match layout {
        Layout::Flipped => ((h - 1) * row, [-(row as isize), pixel, channel]),
        Layout::ChannelsReversed => (ch - 1, [row as isize, pixel, -channel]),
        _ => (0, [row as isize, pixel, channel]),
    };
    (data, origin, strides)
}

/// A file straight in the temp folder (each case removes its own; a folder per run was
/// left behind, empty).
fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("rlvideo-fuzz-{}-{name}", std::process::id()))
}

fn cases() -> u32 {
    std::env::var("RLVIDEO_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_frame_sequence_makes_a_complete_mp4(
        w in 1usize..80,
        h in 1usize..80,
        format in format(),
        layouts in prop::collection::vec(layout(), 1..6),
        fps in prop_oneof![Just(30.0), Just(29.97), Just(12.5), 1.0f64..120.0],
        budget in prop_oneof![Just(1usize), Just(1 << 20)],
        case in any::<u64>(),
    ) {
        let path = temp_file(&format!("{case}.mp4"));
        let options = EncoderOptions { memory_budget: budget, threads: 1, ..Default::default() };
        let mut writer = VideoWriter::create(&path, fps, options).unwrap();
        for (i, &layout) in layouts.iter().enumerate() {
            let (data, origin, strides) = frame_buffer(w, h, format, layout, i as u8);
            let view = FrameRef::strided(&data, origin, w, h, format, strides).unwrap();
            writer.write(view).unwrap();
        }
        let summary = writer.finish().unwrap();
        prop_assert_eq!(summary.frames, layouts.len() as u64);
        prop_assert_eq!((summary.width, summary.height), (w, h));

        let mut file = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
        let mut samples = None;
        while let Ok(atom) = Any::read_from(&mut file) {
            if let Any::Moov(moov) = atom {
                let trak = &moov.trak[0];
                prop_assert_eq!((trak.tkhd.width.integer() as usize, trak.tkhd.height.integer() as usize), (w, h));
                samples = Some(trak.mdia.minf.stbl.stts.entries.iter().map(|e| e.sample_count).sum::<u32>());
            }
        }
        prop_assert_eq!(samples, Some(layouts.len() as u32));
        std::fs::remove_file(&path).unwrap();
    }
}
