//! Our rav1e fork (`rlvideo-rav1e`, imported as `rav1e`) with `static_skip` off must write
//! exactly the bytes crates.io rav1e 0.8.1 writes, so every measurement made before the fork
//! still holds and the delta stays confined to the new settings (`static_skip` and
//! `exact_edge_distortion`, both off unless set).

/// One encoder configuration, applied identically through both crates.
#[derive(Clone, Copy, Debug)]
struct Case {
    speed: u8,
    /// rlvideo's `rl_tuning` knobs on top of the speed preset (encode.rs).
    rl_tuning: bool,
    tiles: usize,
    low_latency: bool,
    width: usize,
    height: usize,
    /// Full-resolution chroma (AV1 High profile) instead of 4:2:0.
    cs444: bool,
    /// rav1e's worker threads (tiles are coded in parallel with more than one).
    threads: usize,
}

const CASES: &[Case] = &[
    Case {
        speed: 10,
        rl_tuning: true,
        tiles: 1,
        low_latency: true,
        width: 200,
        height: 136,
        cs444: false,
        threads: 1,
    },
    Case {
        speed: 10,
        rl_tuning: true,
        tiles: 2,
        low_latency: true,
        width: 160,
        height: 210,
        cs444: false,
        threads: 1,
    },
    Case {
        speed: 10,
        rl_tuning: false,
        tiles: 1,
        low_latency: true,
        width: 200,
        height: 136,
        cs444: false,
        threads: 1,
    },
    Case {
        speed: 6,
        rl_tuning: false,
        tiles: 1,
        low_latency: false,
        width: 96,
        height: 80,
        cs444: false,
        threads: 1,
    },
    Case {
        speed: 10,
        rl_tuning: true,
        tiles: 2,
        low_latency: true,
        width: 161,
        height: 97,
        cs444: true,
        threads: 2,
    },
    Case {
        speed: 10,
        rl_tuning: true,
        tiles: 4,
        low_latency: true,
        width: 200,
        height: 136,
        cs444: false,
        threads: 2,
    },
];

const FRAMES: usize = 12;

/// The size of each chroma plane.
fn chroma_size(width: usize, height: usize, cs444: bool) -> (usize, usize) {
    if cs444 {
        (width, height)
    } else {
        (width.div_ceil(2), height.div_ceil(2))
    }
}

/// Screen-like frames: a flat background, a still bar, and a square that moves on some
/// frames only, so that static and changing blocks both occur.
fn planes(width: usize, height: usize, cs444: bool, t: usize) -> [Vec<u8>; 3] {
    let (cw, ch) = chroma_size(width, height, cs444);
    let mut y = vec![16u8; width * height];
    let mut u = vec![128u8; cw * ch];
    let v = vec![128u8; cw * ch];
    for row in height / 2..height / 2 + 4 {
        y[row * width..(row + 1) * width].fill(200);
    }
    let x0 = (t / 2 * 7) % (width - 24);
    for row in 10..34 {
        for col in x0..x0 + 24 {
            y[row * width + col] = 235;
            u[(row / 2) * cw + col / 2] = 60;
        }
    }
    [y, u, v]
}

/// Frames where every pixel changes every frame (seeded xorshift noise).
fn noise_planes(width: usize, height: usize, cs444: bool, t: usize) -> [Vec<u8>; 3] {
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ (t as u64 + 1);
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 24) as u8
    };
    let (cw, ch) = chroma_size(width, height, cs444);
    [
        (0..width * height).map(|_| next()).collect(),
        (0..cw * ch).map(|_| next()).collect(),
        (0..cw * ch).map(|_| next()).collect(),
    ]
}

/// Encodes `FRAMES` frames of `case` with the given crate and returns every packet's bytes.
macro_rules! encode_with {
    ($krate:ident, $case:expr, $static_skip:expr) => {
        encode_with!($krate, $case, $static_skip, planes)
    };
    ($krate:ident, $case:expr, $static_skip:expr, $content:expr) => {{
        use $krate::config::SpeedSettings;
        use $krate::prelude::*;
        let case: Case = $case;
        let mut speed_settings = SpeedSettings::from_preset(case.speed);
        if case.rl_tuning {
            speed_settings.partition.partition_range =
                PartitionRange::new(BlockSize::BLOCK_8X8, BlockSize::BLOCK_64X64);
            speed_settings.transform.enable_inter_tx_split = false;
            speed_settings.cdef = false;
            speed_settings.rdo_lookahead_frames = 1;
        }
        $static_skip(&mut speed_settings);
        let config = EncoderConfig {
            width: case.width,
            height: case.height,
            time_base: Rational::new(1, 30),
            chroma_sampling: if case.cs444 {
                ChromaSampling::Cs444
            } else {
                ChromaSampling::Cs420
            },
            quantizer: 120,
            max_key_frame_interval: 8,
            low_latency: case.low_latency,
            tiles: case.tiles,
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
                Ok(packet) => packets.push(packet.data),
                Err(EncoderStatus::Encoded) => continue,
                Err(EncoderStatus::NeedMoreData | EncoderStatus::LimitReached) => break,
                Err(e) => panic!("receive_packet: {e}"),
            }
        };
        for t in 0..FRAMES {
            let mut frame = ctx.new_frame();
            let data = $content(case.width, case.height, case.cs444, t);
            for (plane, src) in frame.planes.iter_mut().zip(&data) {
                let stride = if plane.cfg.xdec == 0 {
                    case.width
                } else {
                    case.width.div_ceil(2)
                };
                plane.copy_from_raw_u8(src, stride, 1);
            }
            ctx.send_frame(frame).expect("send_frame");
            drain(&mut ctx);
        }
        ctx.flush();
        drain(&mut ctx);
        packets
    }};
}

#[test]
fn fork_with_static_skip_off_writes_upstream_bytes() {
    for &case in CASES {
        let upstream = encode_with!(rav1e_upstream, case, |_: &mut SpeedSettings| {});
        let fork = encode_with!(rav1e, case, |s: &mut SpeedSettings| s.static_skip = false);
        assert_eq!(upstream.len(), FRAMES, "{case:?}");
        assert_eq!(fork.len(), upstream.len(), "{case:?}: packet count");
        for (i, (a, b)) in fork.iter().zip(&upstream).enumerate() {
            assert!(
                a == b,
                "{case:?}: packet {i} differs ({} vs {} bytes)",
                a.len(),
                b.len()
            );
        }
    }
}

#[test]
fn static_skip_changes_the_bitstream_of_inter_frames_only() {
    for &case in CASES {
        let off = encode_with!(rav1e, case, |s: &mut SpeedSettings| s.static_skip = false);
        let on = encode_with!(rav1e, case, |s: &mut SpeedSettings| s.static_skip = true);
        assert_eq!(on.len(), off.len(), "{case:?}");
        // Packet 0 holds the sequence header and the first keyframe: coded as before.
        assert_eq!(on[0], off[0], "{case:?}: the first keyframe changed");
        assert!(on[1..] != off[1..], "{case:?}: static_skip had no effect");
    }
}

#[test]
fn static_skip_writes_the_same_bytes_when_every_block_changes() {
    for &case in CASES {
        let off = encode_with!(
            rav1e,
            case,
            |s: &mut SpeedSettings| s.static_skip = false,
            noise_planes
        );
        let on = encode_with!(
            rav1e,
            case,
            |s: &mut SpeedSettings| s.static_skip = true,
            noise_planes
        );
        assert!(
            on == off,
            "{case:?}: static_skip changed a clip with no static block"
        );
    }
}
