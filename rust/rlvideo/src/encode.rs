//! rav1e, configured from [`EncoderOptions`] for one video of one size.

use rav1e::config::SpeedSettings;
use rav1e::prelude::{
    BlockSize, ChromaSampling, Config, Context, EncoderConfig, EncoderStatus, Frame, FrameType,
    PartitionRange, Rational,
};

use std::sync::Arc;
use std::thread::JoinHandle;

use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::color::{self, AV1_COLOR, AV1_RANGE};
use crate::error::{Error, Result};
use crate::frame::Packed;
use crate::mux::Dimensions;
use crate::options::{Chroma, EncoderOptions};
use crate::priority;
use crate::timing::FrameRate;

/// rav1e's smallest accepted width and height for video (not still pictures).
pub(crate) const MIN_CODED_DIMENSION: usize = 16;

/// One temporal unit: it shows exactly one frame, so packets arrive in presentation order
/// even when rav1e reorders internally (hidden frames travel inside the unit).
pub(crate) struct EncodedPacket {
    pub data: Vec<u8>,
    pub keyframe: bool,
    /// rav1e's own reconstruction of the frame, which every decoder must reproduce exactly
    /// (the `fault-injection` build's tests compare them).
    #[cfg(feature = "fault-injection")]
    pub reconstruction: Option<Arc<rav1e::prelude::Frame<u8>>>,
}

/// A rav1e context for frames of one size.
pub(crate) struct Encoder {
    ctx: Context<u8>,
    pub dims: Dimensions,
    /// Frames sent to rav1e, filled again once rav1e has let go of them: a new frame
    /// is a zeroed, padded allocation (~1% of a 600x400 frame's CPU, plus page faults).
    sent: Vec<Arc<Frame<u8>>>,
    /// How many times each frame is enlarged ([`EncoderOptions::scale_for`]).
    scale: usize,
    /// Scratch rows of the enlarged conversion.
    rows: Vec<u8>,
}

/// Frames kept for reuse; rav1e holds a few (lookahead, the LAST reference's source).
const REUSED_FRAMES: usize = 8;

impl Encoder {
    /// Configures rav1e for `width x height` frames, enlarged by `options.scale`; videos
    /// under 16 pixels in either direction are encoded on a 16-pixel canvas and cropped
    /// back by the container. rav1e works on `pool`, the pool the caller runs in (see
    /// [`EncoderThreads`]).
    pub fn new(
        width: usize,
        height: usize,
        rate: FrameRate,
        options: &EncoderOptions,
        pool: Arc<ThreadPool>,
    ) -> Result<Self> {
        let scale = options.scale_for(width, height)?;
        let (width, height) = (width * scale, height * scale);
        let dims = Dimensions {
            width,
            height,
            coded_width: width.max(MIN_CODED_DIMENSION),
            coded_height: height.max(MIN_CODED_DIMENSION),
            chroma: options.chroma,
        };
        let speed_settings = speed_settings(options);
        let config = EncoderConfig {
            width: dims.coded_width,
            height: dims.coded_height,
            time_base: Rational::new(u64::from(rate.den), u64::from(rate.num)),
            bit_depth: 8,
            chroma_sampling: match options.chroma {
                Chroma::Yuv420 => ChromaSampling::Cs420,
                Chroma::Yuv444 => ChromaSampling::Cs444,
            },
            pixel_range: AV1_RANGE,
            color_description: Some(AV1_COLOR),
            quantizer: usize::from(options.quantizer),
            min_key_frame_interval: 0,
            max_key_frame_interval: options.keyframe_interval,
            low_latency: options.low_latency,
            tiles: tile_count(options),
            speed_settings,
            ..Default::default()
        };
        let ctx = Config::new()
            .with_encoder_config(config)
            .with_thread_pool(pool)
            .new_context()
            .map_err(|e| Error::Encoder(format!("rav1e rejected the configuration: {e}")))?;
        Ok(Encoder {
            ctx,
            dims,
            sent: Vec::new(),
            scale,
            rows: Vec::new(),
        })
    }

    /// Converts `frame` to YUV and queues it in rav1e.
    pub fn send(&mut self, frame: Packed<'_>) -> Result<()> {
        let reusable = self.sent.iter_mut().position(|f| Arc::get_mut(f).is_some());
        let mut yuv = match reusable {
            Some(i) => self.sent.swap_remove(i),
            None => Arc::new(self.ctx.new_frame()),
        };
        let Some(pixels) = Arc::get_mut(&mut yuv) else {
            unreachable!("a new or released frame has no other owner")
        };
        // Every pixel is written, padding included: no stale content survives.
        color::fill_frame(frame, self.scale, pixels, &mut self.rows)?;
        self.ctx
            .send_frame(Arc::clone(&yuv))
            .map_err(|e| Error::Encoder(format!("send_frame failed: {e}")))?;
        if self.sent.len() < REUSED_FRAMES {
            self.sent.push(yuv);
        }
        Ok(())
    }

    /// Tells rav1e no more frames come, so it can emit everything it holds.
    pub fn flush(&mut self) {
        self.ctx.flush();
    }

    /// Every packet rav1e can produce now; after `flush`, all remaining ones.
    pub fn drain(&mut self, mut sink: impl FnMut(EncodedPacket) -> Result<()>) -> Result<()> {
        loop {
            match self.ctx.receive_packet() {
                Ok(packet) => sink(EncodedPacket {
                    keyframe: packet.frame_type == FrameType::KEY,
                    data: packet.data,
                    #[cfg(feature = "fault-injection")]
                    reconstruction: packet.rec,
                })?,
                Err(EncoderStatus::Encoded) => continue,
                Err(EncoderStatus::NeedMoreData | EncoderStatus::LimitReached) => return Ok(()),
                Err(e) => return Err(Error::Encoder(format!("receive_packet failed: {e}"))),
            }
        }
    }
}

/// The encoder threads `options.threads` asks for; 0 means one per core.
fn thread_count(options: &EncoderOptions) -> usize {
    match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// The threads one video is encoded on: a rayon pool, with the handles of its threads so
/// that a finished video leaves none behind (rayon ends a dropped pool's threads on their
/// own time).
///
/// The encoder loop runs inside `pool.install`, on one of the pool's threads: rav1e's own
/// `install` calls and one-tile work then run in place instead of waking another thread
/// and sleeping until it is done. Those wake-ups cost ~20% of a 160x210 frame's CPU on this
/// project's VM (`perf record` on `encode_raw`, `threads=1`: 1623 -> 1264 samples). rayon's
/// `use_current_thread` would do the same without the extra thread but leaks its registry
/// for every pool built that way (one per video here).
pub(crate) struct EncoderThreads {
    pub pool: Arc<ThreadPool>,
    threads: Vec<JoinHandle<()>>,
}

impl EncoderThreads {
    /// Starts `options.threads` threads (one per core for 0), each lowering its own
    /// priority by `options.nice` before it takes any work (the encoder loop included).
    pub fn start(options: &EncoderOptions) -> Result<Self> {
        let mut threads = Vec::new();
        let nice = options.nice;
        let pool = ThreadPoolBuilder::new()
            .num_threads(thread_count(options))
            .spawn_handler(|thread| {
                let handle = std::thread::Builder::new()
                    .name(format!("rlvideo-rav1e-{}", thread.index()))
                    .spawn(move || {
                        priority::lower_current_thread(nice);
                        thread.run()
                    })?;
                threads.push(handle);
                Ok(())
            })
            .build()
            .map_err(|e| Error::Encoder(format!("cannot start the encoder threads: {e}")))?;
        Ok(EncoderThreads {
            pool: Arc::new(pool),
            threads,
        })
    }

    /// Ends the pool and waits for its threads to exit. If a clone of the pool is still
    /// held somewhere (it should not be), returns at once rather than wait for it.
    pub fn join(self) {
        if let Ok(pool) = Arc::try_unwrap(self.pool) {
            drop(pool); // tells the threads to exit
            for thread in self.threads {
                let _ = thread.join();
            }
        }
    }
}

/// `tiles = 0` means one tile per encoder thread: rav1e itself would use a single tile for
/// RL-sized frames, leaving cores idle. Measured on 600x400 CartPole with 2 cores: 52 fps
/// with 1 tile, 79 fps with 2, for 3% larger files (README, "Choosing the defaults").
fn tile_count(options: &EncoderOptions) -> usize {
    if options.tiles > 0 {
        return options.tiles;
    }
    thread_count(options).clamp(1, 8)
}

/// rav1e's preset for `options.speed`; with `rl_tuning` at speed 10 (our default) tuned
/// for RL renders (large flat areas, a few sharp-edged shapes, little motion). Measured on
/// 300 CartPole frames (600x400, 2 threads, quantizer 120; README, "Choosing the defaults"):
/// - partitions 8x8..64x64 instead of a fixed 32x32: flat 64x64 areas end the search at
///   once and edges get 8x8 blocks, so files shrink 70,019 -> 28,348 bytes at a higher
///   PSNR, for ~25% of the speed;
/// - no inter transform split: most of that speed back (~63 -> ~70 frames/s), 27,678 bytes;
/// - CDEF off and one frame of RDO lookahead: 73 -> 100 frames/s at speed 10 for +2% bytes.
/// - With `static_skip` (rlvideo's decision layer), the fork's first real-time steps for
///   changed blocks (`fast_inter_decision`, `skip_ends_split`; RLVIDEO-DELTA.md): 8% fewer
///   instructions on CarRacing's inter frames, 10% on CartPole's, 5% on Breakout's, the same
///   bytes within 1% (Bjontegaard); and `fast_intra_decision`, a cheap intra try for blocks
///   partly unchanged since the previous frame: CarRacing 5.7% smaller, CartPole 0.9%,
///   Breakout 0.4% larger, for under 2% more instructions; `fast_edge_partition`, superblocks
///   cut by the frame's edge searched like the others: the 320x240 pan 20% fewer
///   instructions, Breakout 5%, 480x480 HalfCheetah 2%, within 1.1% of the bytes;
///   `fast_coeff_rate`, an inter frame's coefficient bits in RDO trials priced from the CDFs
///   instead of coded: HalfCheetah 9% fewer instructions, CarRacing 2.5%, the bytes within 1%
///   (Bjontegaard); with `fast_inter_decision` now also coding a close second candidate, the
///   256x192 pan 3.6% smaller for 9% more instructions; `fast_changed_intra`, one intra
///   mode coded for a changed block with its angle delta found by SATD: HalfCheetah 23%
///   fewer instructions, the pans 28%, CarRacing, CartPole and Breakout within 0.1%, for
///   0.5-1.0% more bytes (Bjontegaard); `cheap_whole_ends_split`, no split trial for a
///   changed block whose whole-block decision already costs little: HalfCheetah 5.9% fewer
///   instructions, CarRacing 4.1%, the pan 6.2%, for -0.8% to +0.7% bytes.
fn speed_settings(options: &EncoderOptions) -> SpeedSettings {
    let mut settings = SpeedSettings::from_preset(options.speed);
    if options.rl_tuning && options.speed == 10 {
        settings.partition.partition_range =
            PartitionRange::new(BlockSize::BLOCK_8X8, BlockSize::BLOCK_64X64);
        settings.transform.enable_inter_tx_split = false;
        settings.cdef = false;
        settings.rdo_lookahead_frames = 1;
        settings.fast_inter_decision = options.static_skip;
        settings.skip_ends_split = options.static_skip;
        settings.fast_intra_decision = options.static_skip;
        settings.fast_changed_intra = options.static_skip;
        settings.fast_edge_partition = options.static_skip;
        settings.fast_coeff_rate = options.static_skip;
        settings.cheap_whole_ends_split = options.static_skip;
    }
    settings.static_skip = options.static_skip;
    // The first encode of a change must be faithful where the skip will repeat it; with
    // static_skip off, rav1e stays exactly as released (tests/rav1e_fork_parity.rs).
    settings.exact_edge_distortion = options.static_skip;
    settings
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::priority::current_thread_niceness;

    /// The niceness of every thread of a video's encoder pool, read from inside the pool
    /// (`broadcast` runs once on each of its threads).
    fn pool_niceness(nice: u8, threads: usize) -> Vec<i32> {
        let options = EncoderOptions {
            nice,
            threads,
            ..EncoderOptions::default()
        };
        let started = EncoderThreads::start(&options).expect("start the pool");
        let seen = started
            .pool
            .broadcast(|_| current_thread_niceness().expect("getpriority"));
        started.join();
        seen
    }

    #[test]
    fn encoder_threads_run_at_the_niceness_asked_for() {
        // The pool's threads inherit this thread's niceness, which a test runner started
        // under `nice` raises: the increment is on top of it.
        let base = current_thread_niceness().expect("getpriority");
        assert_eq!(pool_niceness(7, 3), vec![(base + 7).min(19); 3]);
        assert_eq!(pool_niceness(19, 2), vec![19; 2]);
        assert_eq!(pool_niceness(0, 2), vec![base; 2]);
        assert_eq!(
            current_thread_niceness(),
            Some(base),
            "the caller is unchanged"
        );
    }

    #[test]
    fn encoder_threads_keep_the_callers_priority_by_default() {
        let base = current_thread_niceness().expect("getpriority");
        assert_eq!(EncoderOptions::default().nice, 0);
        assert_eq!(
            pool_niceness(EncoderOptions::default().nice, 2),
            vec![base; 2]
        );
    }
}
