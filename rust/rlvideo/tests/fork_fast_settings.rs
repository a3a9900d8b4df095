//! The fork's real-time settings for changed blocks, each on top of rlvideo's other settings
//! against the same encode with it off: every frame encodes, and the reconstruction is as
//! faithful at about the same size, in 4:2:0 and in 4:4:4 in two tiles at an odd size.
//! - `fast_coeff_rate`: an inter frame's coefficient bits priced from the CDFs in RDO trials
//!   instead of coded (its prices against the coder's are tested inside the fork,
//!   `context/coeff_rate.rs`);
//! - `fast_changed_intra`: one intra mode, its luma angle delta found by SATD, coded for a
//!   changed block instead of rav1e's intra search;
//! - `cheap_whole_ends_split`: no split trial for a changed block whose whole-block decision
//!   already costs little.

use rav1e::config::SpeedSettings;
use rav1e::prelude::*;

const FRAMES: usize = 12;

/// A textured background that pans two pixels a frame (every block changes) with a bright
/// square crossing it the other way: blocks with many coefficients in every transform size.
fn pan_planes(width: usize, height: usize, cs444: bool, t: usize) -> [Vec<u8>; 3] {
    let (cw, ch) = if cs444 {
        (width, height)
    } else {
        (width.div_ceil(2), height.div_ceil(2))
    };
    let texture = |x: usize, y: usize, scale: usize| {
        let (x, y) = (x + 2 * t / scale, y);
        let v = (x * 13 + y * 7) % 64 + ((x / 9 + y / 5) % 3) * 40 + ((x * y) % 17) * 3;
        v.min(255) as u8
    };
    let mut y: Vec<u8> = (0..width * height)
        .map(|i| texture(i % width, i / width, 1))
        .collect();
    let u: Vec<u8> = (0..cw * ch)
        .map(|i| 96 + texture(i % cw, i / cw, 2) / 4)
        .collect();
    let v: Vec<u8> = (0..cw * ch)
        .map(|i| 160 - texture(i % cw, i / cw, 2) / 4)
        .collect();
    let x0 = (width - 24) - (t * 5) % (width - 24);
    for row in 20..44 {
        y[row * width + x0..row * width + x0 + 24].fill(235);
    }
    [y, u, v]
}

/// Stripes at a new angle and phase every frame, which the previous frame predicts badly: a
/// changed block's intra decision, directional modes and their angle deltas among it, decides
/// what the frame costs.
fn fresh_stripe_planes(width: usize, height: usize, cs444: bool, t: usize) -> [Vec<u8>; 3] {
    let (cw, ch) = if cs444 {
        (width, height)
    } else {
        (width.div_ceil(2), height.div_ceil(2))
    };
    let angle = 0.3 + 0.7 * t as f64;
    let (dx, dy) = (angle.cos(), angle.sin());
    let stripes = |x: usize, y: usize, scale: f64| {
        let along = (x as f64 * dx + y as f64 * dy) * scale;
        (128.0 + 90.0 * (along / 3.0 + t as f64).sin()) as u8
    };
    let y = (0..width * height)
        .map(|i| stripes(i % width, i / width, 1.0))
        .collect();
    let chroma_scale = if cs444 { 1.0 } else { 2.0 };
    let u = (0..cw * ch)
        .map(|i| 64 + stripes(i % cw, i / cw, chroma_scale) / 2)
        .collect();
    let v = (0..cw * ch)
        .map(|i| 192 - stripes(i % cw, i / cw, chroma_scale) / 2)
        .collect();
    [y, u, v]
}

/// The planes of frame `t` at a size.
type Content = fn(usize, usize, bool, usize) -> [Vec<u8>; 3];

/// (bytes, mean luma PSNR of the encoder's reconstruction) of `FRAMES` frames of `content`
/// encoded with rlvideo's speed-10 settings and static skip, then `change` applied to them.
fn encode(
    content: Content,
    width: usize,
    height: usize,
    cs444: bool,
    tiles: usize,
    change: impl Fn(&mut SpeedSettings),
) -> (usize, f64) {
    let mut speed_settings = SpeedSettings::from_preset(10);
    speed_settings.partition.partition_range =
        PartitionRange::new(BlockSize::BLOCK_8X8, BlockSize::BLOCK_64X64);
    speed_settings.transform.enable_inter_tx_split = false;
    speed_settings.cdef = false;
    speed_settings.rdo_lookahead_frames = 1;
    speed_settings.static_skip = true;
    speed_settings.exact_edge_distortion = true;
    speed_settings.fast_inter_decision = true;
    speed_settings.skip_ends_split = true;
    speed_settings.fast_intra_decision = true;
    speed_settings.fast_edge_partition = true;
    speed_settings.fast_changed_intra = true;
    speed_settings.fast_coeff_rate = true;
    speed_settings.cheap_whole_ends_split = true;
    change(&mut speed_settings);
    let config = EncoderConfig {
        width,
        height,
        time_base: Rational::new(1, 30),
        chroma_sampling: if cs444 {
            ChromaSampling::Cs444
        } else {
            ChromaSampling::Cs420
        },
        quantizer: 120,
        low_latency: true,
        tiles,
        speed_settings,
        ..Default::default()
    };
    let mut ctx: Context<u8> = Config::new()
        .with_encoder_config(config)
        .with_threads(1)
        .new_context()
        .expect("valid configuration");
    let sources: Vec<_> = (0..FRAMES)
        .map(|t| content(width, height, cs444, t))
        .collect();
    let (mut bytes, mut psnrs) = (0, Vec::new());
    let mut drain = |ctx: &mut Context<u8>| loop {
        match ctx.receive_packet() {
            Ok(packet) => {
                bytes += packet.data.len();
                let rec = packet.rec.expect("a shown frame's reconstruction");
                let source = &sources[packet.input_frameno as usize][0];
                let plane = &rec.planes[0];
                let mut squared = 0u64;
                for (row, rec_row) in plane.rows_iter().take(height).enumerate() {
                    for (col, &r) in rec_row[..width].iter().enumerate() {
                        let d = i64::from(r) - i64::from(source[row * width + col]);
                        squared += (d * d) as u64;
                    }
                }
                let mse = squared as f64 / (width * height) as f64;
                psnrs.push(10.0 * (255.0 * 255.0 / mse.max(1e-9)).log10());
            }
            Err(EncoderStatus::Encoded) => continue,
            Err(EncoderStatus::NeedMoreData | EncoderStatus::LimitReached) => break,
            Err(e) => panic!("receive_packet: {e}"),
        }
    };
    for source in &sources {
        let mut frame = ctx.new_frame();
        let chroma_width = if cs444 { width } else { width.div_ceil(2) };
        for (i, (plane, src)) in frame.planes.iter_mut().zip(source).enumerate() {
            plane.copy_from_raw_u8(src, if i == 0 { width } else { chroma_width }, 1);
        }
        ctx.send_frame(frame).expect("send_frame");
        drain(&mut ctx);
    }
    ctx.flush();
    drain(&mut ctx);
    assert_eq!(psnrs.len(), FRAMES, "every frame encoded");
    (bytes, psnrs.iter().sum::<f64>() / FRAMES as f64)
}

/// Encodes `content` with `setting` off and on: within 5% of the bytes and 0.3 dB of the PSNR.
fn encodes_as_faithfully(
    name: &str,
    content: Content,
    setting: fn(&mut SpeedSettings) -> &mut bool,
) {
    for (width, height, cs444, tiles) in [(200, 136, false, 1), (161, 97, true, 2)] {
        let encode_with =
            |on: bool| encode(content, width, height, cs444, tiles, |s| *setting(s) = on);
        let ((off_bytes, off_psnr), (on_bytes, on_psnr)) = (encode_with(false), encode_with(true));
        let size = on_bytes as f64 / off_bytes as f64;
        assert!(
            (0.95..=1.05).contains(&size) && (on_psnr - off_psnr).abs() < 0.3,
            "{width}x{height} 4:4:4 {cs444}: {name} on {on_bytes} bytes at {on_psnr:.2} dB, \
             off {off_bytes} at {off_psnr:.2}"
        );
    }
}

#[test]
fn priced_coefficient_rates_encode_as_faithfully() {
    encodes_as_faithfully("fast_coeff_rate", pan_planes, |s| &mut s.fast_coeff_rate);
}

#[test]
fn one_intra_mode_for_changed_blocks_encodes_as_faithfully() {
    encodes_as_faithfully("fast_changed_intra", pan_planes, |s| {
        &mut s.fast_changed_intra
    });
    encodes_as_faithfully("fast_changed_intra", fresh_stripe_planes, |s| {
        &mut s.fast_changed_intra
    });
}

#[test]
fn no_split_trial_for_cheap_whole_blocks_encodes_as_faithfully() {
    encodes_as_faithfully("cheap_whole_ends_split", pan_planes, |s| {
        &mut s.cheap_whole_ends_split
    });
    encodes_as_faithfully("cheap_whole_ends_split", fresh_stripe_planes, |s| {
        &mut s.cheap_whole_ends_split
    });
}
