//! rlvideo's own pipeline with `static_skip` off (its speed settings, its colour conversion,
//! its muxer) must carry exactly the bitstream crates.io rav1e 0.8.1 writes for the same
//! planes with the configuration rlvideo documents: rav1e's speed-10 preset plus the
//! `rl_tuning` knobs of [`EncoderOptions::rl_tuning`], BT.601 limited range signalled as sRGB.
//! `tests/rav1e_fork_parity.rs` checks the fork against rav1e directly; this checks what a
//! user's file holds. Inside the crate only to convert the frames with rlvideo's own
//! `color::fill_frame`.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use mp4_atom::{Any, Codec, Moov, ReadFrom, StszSamples};
use rav1e_upstream::color::{
    ColorDescription, ColorPrimaries, MatrixCoefficients, PixelRange, TransferCharacteristics,
};
use rav1e_upstream::config::SpeedSettings;
use rav1e_upstream::prelude::{
    BlockSize, ChromaSampling, Config, Context, EncoderConfig, EncoderStatus, FrameType,
    PartitionRange, Rational,
};

use crate::color::fill_frame;
use crate::frame::{PackedFrame, PixelFormat};
use crate::{Chroma, EncoderOptions, FrameRef, VideoWriter};

const FRAMES: usize = 14;
const KEYFRAME_INTERVAL: u64 = 6;
const FPS: u32 = 30;

#[derive(Clone, Copy, Debug)]
struct Case {
    width: usize,
    height: usize,
    chroma: Chroma,
    threads: usize,
    /// rlvideo's `tiles` option: 0 is one tile per thread.
    tiles: usize,
    /// The tiles rlvideo documents for that option.
    expected_tiles: usize,
    noise: bool,
}

/// Sizes whose last columns and rows do not fill a 4x4 chunk: rav1e's distortion leaves
/// those pixels out, and the fork's `exact_edge_distortion` (on only with `static_skip`)
/// counts them. Odd sizes also take the conversion's even-padding path in 4:2:0.
const CASES: &[Case] = &[
    Case {
        width: 161,
        height: 97,
        chroma: Chroma::Yuv420,
        threads: 1,
        tiles: 0,
        expected_tiles: 1,
        noise: false,
    },
    Case {
        width: 130,
        height: 78,
        chroma: Chroma::Yuv420,
        threads: 1,
        tiles: 0,
        expected_tiles: 1,
        noise: true,
    },
    Case {
        width: 200,
        height: 136,
        chroma: Chroma::Yuv420,
        threads: 2,
        tiles: 0,
        expected_tiles: 2,
        noise: false,
    },
    Case {
        width: 138,
        height: 134,
        chroma: Chroma::Yuv420,
        threads: 2,
        tiles: 4,
        expected_tiles: 4,
        noise: true,
    },
    Case {
        width: 161,
        height: 97,
        chroma: Chroma::Yuv444,
        threads: 2,
        tiles: 2,
        expected_tiles: 2,
        noise: false,
    },
    Case {
        width: 97,
        height: 71,
        chroma: Chroma::Yuv444,
        threads: 1,
        tiles: 0,
        expected_tiles: 1,
        noise: true,
    },
];

/// Seeded xorshift RGB noise: every pixel changes every frame.
fn noise(width: usize, height: usize, t: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ (t as u64 + 1);
    (0..width * height * 3)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// A screen-like render: a flat background, a still coloured bar, and a red square that
/// moves on every other frame, so static and changing blocks both occur.
fn screen(width: usize, height: usize, t: usize) -> Vec<u8> {
    let mut rgb = [240u8, 240, 230].repeat(width * height);
    let mut paint = |x: usize, y: usize, colour: [u8; 3]| {
        rgb[(y * width + x) * 3..][..3].copy_from_slice(&colour);
    };
    for y in height / 2..height / 2 + 5 {
        for x in 0..width {
            paint(x, y, [40, 90, 200]);
        }
    }
    let x0 = (t / 2 * 7) % (width - 24);
    for y in 10..34 {
        for x in x0..x0 + 24 {
            paint(x, y, [210, 30, 30]);
        }
    }
    rgb
}

fn frames(case: Case) -> Vec<Vec<u8>> {
    let content = if case.noise { noise } else { screen };
    (0..FRAMES)
        .map(|t| content(case.width, case.height, t))
        .collect()
}

/// What rlvideo wrote: every sample, the keyframes' sample numbers (1-based, as `stss`)
/// and `av1C`'s configuration OBUs.
struct Written {
    samples: Vec<Vec<u8>>,
    keyframes: Vec<u32>,
    config_obus: Vec<u8>,
}

fn record(case: Case, frames: &[Vec<u8>]) -> Written {
    let path: PathBuf = std::env::temp_dir().join(format!(
        "rlvideo-upstream-parity-{}-{case:?}.mp4",
        std::process::id()
    ));
    let options = EncoderOptions {
        threads: case.threads,
        tiles: case.tiles,
        keyframe_interval: KEYFRAME_INTERVAL,
        chroma: case.chroma,
        static_skip: false,
        ..EncoderOptions::default()
    };
    let mut writer = VideoWriter::create(&path, f64::from(FPS), options).unwrap();
    for rgb in frames {
        let frame = FrameRef::packed(rgb, case.width, case.height, PixelFormat::Rgb).unwrap();
        writer.write(frame).unwrap();
    }
    writer.finish().unwrap();
    let raw = std::fs::read(&path).unwrap();
    let mut reader = BufReader::new(File::open(&path).unwrap());
    let mut moov: Option<Moov> = None;
    while let Ok(atom) = Any::read_from(&mut reader) {
        if let Any::Moov(m) = atom {
            moov = Some(m);
        }
    }
    std::fs::remove_file(&path).unwrap();
    let stbl = &moov.expect("moov").trak[0].mdia.minf.stbl;
    let StszSamples::Different { sizes } = &stbl.stsz.samples else {
        panic!("{case:?}: expected one size per sample")
    };
    let chunks = &stbl.co64.as_ref().expect("co64").entries;
    assert_eq!(chunks.len(), 1, "{case:?}: one chunk");
    let mut at = chunks[0] as usize;
    let samples = sizes
        .iter()
        .map(|&size| {
            let sample = raw[at..at + size as usize].to_vec();
            at += size as usize;
            sample
        })
        .collect();
    let Codec::Av01(av01) = &stbl.stsd.codecs[0] else {
        panic!("{case:?}: expected an av01 sample entry")
    };
    Written {
        samples,
        keyframes: stbl.stss.as_ref().expect("stss").entries.clone(),
        config_obus: av01.av1c.config_obus.clone(),
    }
}

/// rav1e 0.8.1 on rlvideo's conversion of `frames`, configured as rlvideo documents its
/// defaults at speed 10 with `rl_tuning` (written out here, not taken from `encode.rs`).
/// Returns every packet and whether it is a keyframe.
fn upstream(case: Case, frames: &[Vec<u8>]) -> Vec<(Vec<u8>, bool)> {
    let mut speed_settings = SpeedSettings::from_preset(10);
    speed_settings.partition.partition_range =
        PartitionRange::new(BlockSize::BLOCK_8X8, BlockSize::BLOCK_64X64);
    speed_settings.transform.enable_inter_tx_split = false;
    speed_settings.cdef = false;
    speed_settings.rdo_lookahead_frames = 1;
    let config = EncoderConfig {
        width: case.width,
        height: case.height,
        time_base: Rational::new(1, u64::from(FPS)),
        bit_depth: 8,
        chroma_sampling: match case.chroma {
            Chroma::Yuv420 => ChromaSampling::Cs420,
            Chroma::Yuv444 => ChromaSampling::Cs444,
        },
        pixel_range: PixelRange::Limited,
        color_description: Some(ColorDescription {
            color_primaries: ColorPrimaries::BT709,
            transfer_characteristics: TransferCharacteristics::SRGB,
            matrix_coefficients: MatrixCoefficients::BT601,
        }),
        quantizer: usize::from(crate::DEFAULT_QUANTIZER),
        min_key_frame_interval: 0,
        max_key_frame_interval: KEYFRAME_INTERVAL,
        low_latency: true,
        tiles: case.expected_tiles,
        speed_settings,
        ..Default::default()
    };
    let mut ctx: Context<u8> = Config::new()
        .with_encoder_config(config)
        .with_threads(case.threads)
        .new_context()
        .expect("valid configuration");
    let mut packets = Vec::new();
    let mut drain = |ctx: &mut Context<u8>| loop {
        match ctx.receive_packet() {
            Ok(packet) => packets.push((packet.data, packet.frame_type == FrameType::KEY)),
            Err(EncoderStatus::Encoded) => continue,
            Err(EncoderStatus::NeedMoreData | EncoderStatus::LimitReached) => break,
            Err(e) => panic!("receive_packet: {e}"),
        }
    };
    for rgb in frames {
        let mut yuv = ctx.new_frame();
        let src = PackedFrame {
            data: rgb.clone(),
            width: case.width,
            height: case.height,
            format: PixelFormat::Rgb,
        };
        fill_frame(src.packed(), 1, &mut yuv, &mut Vec::new()).unwrap();
        ctx.send_frame(yuv).expect("send_frame");
        drain(&mut ctx);
    }
    ctx.flush();
    drain(&mut ctx);
    packets
}

/// The OBUs of `packet`, each with its header and size field.
fn obus(mut packet: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while !packet.is_empty() {
        let header_len = 1 + usize::from(packet[0] & 0x04 != 0);
        assert!(packet[0] & 0x02 != 0, "rav1e writes a size in every OBU");
        let (mut size, mut leb_len) = (0usize, 0);
        while {
            let byte = packet[header_len + leb_len];
            size |= usize::from(byte & 0x7f) << (7 * leb_len);
            leb_len += 1;
            byte & 0x80 != 0
        } {}
        let (obu, rest) = packet.split_at(header_len + leb_len + size);
        out.push(obu);
        packet = rest;
    }
    out
}

const OBU_SEQUENCE_HEADER: u8 = 1;
const OBU_TEMPORAL_DELIMITER: u8 = 2;

fn obu_type(obu: &[u8]) -> u8 {
    (obu[0] >> 3) & 0x0f
}

#[test]
fn static_skip_off_writes_crates_io_rav1e_bytes_into_the_file() {
    for &case in CASES {
        let frames = frames(case);
        let written = record(case, &frames);
        let expected = upstream(case, &frames);
        assert_eq!(written.samples.len(), FRAMES, "{case:?}: samples");
        assert_eq!(expected.len(), FRAMES, "{case:?}: rav1e's packets");
        // AV1 in MP4: a sample is a temporal unit without its temporal delimiter; the
        // sequence header stays in the keyframe's sample and is repeated in av1C.
        let header = obus(&expected[0].0)
            .into_iter()
            .find(|obu| obu_type(obu) == OBU_SEQUENCE_HEADER)
            .expect("a sequence header in rav1e's first packet");
        assert_eq!(written.config_obus, header, "{case:?}: av1C");
        let keyframes: Vec<u32> = (1..=FRAMES as u32)
            .filter(|&n| expected[n as usize - 1].1)
            .collect();
        assert_eq!(written.keyframes, keyframes, "{case:?}: keyframes (stss)");
        for (i, (sample, (packet, _))) in written.samples.iter().zip(&expected).enumerate() {
            let packet_obus = obus(packet);
            assert_eq!(
                obu_type(packet_obus[0]),
                OBU_TEMPORAL_DELIMITER,
                "{case:?}: rav1e's packet {i} starts with a temporal delimiter"
            );
            let normalised: Vec<u8> = packet_obus
                .into_iter()
                .filter(|obu| obu_type(obu) != OBU_TEMPORAL_DELIMITER)
                .flatten()
                .copied()
                .collect();
            assert!(
                *sample == normalised,
                "{case:?}: sample {i} differs from rav1e 0.8.1's ({} vs {} bytes)",
                sample.len(),
                normalised.len()
            );
        }
    }
}
