//! Encoder options: what a caller may tune, with defaults chosen by measurement.

use crate::error::{Error, Result};

/// How a video is encoded and how much memory the queue in front of the encoder may hold.
///
/// The defaults are the ones measured in the README ("Choosing the defaults"): rav1e's
/// fastest preset tuned for RL renders, with the quantizer at which CartPole videos match
/// Gymnasium's H.264 files in PSNR at a smaller size.
///
/// ```
/// use rlvideo::{Chroma, EncoderOptions};
///
/// let options = EncoderOptions {
///     quantizer: 100,         // larger files, higher quality
///     threads: 1,             // one encoder thread for this video
///     chroma: Chroma::Yuv444, // full colour resolution for a small, saturated render
///     ..EncoderOptions::default()
/// };
/// options.validate()?;
/// let too_many = EncoderOptions { threads: 10_000, ..EncoderOptions::default() };
/// assert!(too_many.validate().unwrap_err().to_string().contains("threads must be between"));
/// # Ok::<(), rlvideo::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EncoderOptions {
    /// rav1e speed preset, 0 (slowest, smallest) to 10 (fastest).
    pub speed: u8,
    /// rav1e base quantizer, 0 (lossless-ish, huge) to 255 (smallest, blocky).
    pub quantizer: u8,
    /// Encoder worker threads; 0 lets rav1e use one per core.
    pub threads: usize,
    /// Number of tiles a frame is split into (rounded up to a power of two by rav1e);
    /// 0 means one per encoder thread (at most 8). Tiles encode in parallel.
    pub tiles: usize,
    /// Longest distance between keyframes, in frames. Shorter makes seeking faster and
    /// files larger.
    pub keyframe_interval: u64,
    /// Most bytes of frames waiting for the encoder; `write` blocks while it is full.
    pub memory_budget: usize,
    /// Encode without frame reordering: less latency and memory, slightly larger files.
    pub low_latency: bool,
    /// Apply rlvideo's measured tweaks on top of rav1e's speed preset (at speed 10:
    /// partitions 8x8 to 64x64, no inter transform split, CDEF off, one frame of RDO
    /// lookahead). `false` uses rav1e's preset exactly, as other rav1e front ends (ffmpeg's
    /// librav1e) do.
    pub rl_tuning: bool,
    /// Code blocks that are unchanged since the previous frame as zero-motion skips,
    /// without any search (our rav1e fork's `static_skip`). RL renders repeat most of
    /// each frame, so this is where most of the speed comes from. At speed 10 with
    /// `rl_tuning` it also turns on the fork's first real-time steps for changed blocks
    /// (one inter candidate coded in full instead of every one; a whole-block skip ends the
    /// split search of a block that changed everywhere). `false` gives the same bytes as
    /// crates.io rav1e.
    pub static_skip: bool,
    /// How finely colour is stored: [`Chroma::Yuv420`] (the default, plays everywhere) or
    /// [`Chroma::Yuv444`] (full colour resolution, for small saturated renders).
    pub chroma: Chroma,
    /// Put the index (`moov`) before the samples (`mdat`) in the finished file, so that a
    /// browser or W&B plays it over HTTP before it has downloaded it all. The samples are
    /// streamed to disk while recording and copied behind the index at `finish` (a kernel
    /// copy; the folder needs room for the video twice meanwhile). `false` keeps the
    /// streamed file as it is, index last.
    pub faststart: bool,
    /// How much the encoder threads of this video lower their own scheduling priority at
    /// start, 0 (not at all) to 19: a niceness increment on top of the niceness they
    /// inherit (capped at 19), so that the user's env and learner threads win the CPU and
    /// recording takes what is left. Linux only (each thread's own `setpriority`); elsewhere
    /// ignored. A refusal (a sandbox forbidding `setpriority`) is ignored too: the video is
    /// encoded at the inherited priority.
    pub nice: u8,
    /// Enlarge every frame by this whole factor, each source pixel becoming a
    /// `scale x scale` block (nearest neighbour, done during colour conversion on the
    /// encoder thread): 1 (the default) keeps the frames' size, 2 to 8 multiply it, 0 picks
    /// the factor from the first frame's size ([`EncoderOptions::scale_for`]). At an even
    /// scale every 4:2:0 colour sample covers one source pixel alone, so small renders keep
    /// their colours in the Main profile.
    pub scale: u8,
}

/// Chroma subsampling of the encoded video.
///
/// ```
/// use rlvideo::Chroma;
///
/// assert_eq!("444".parse::<Chroma>()?, Chroma::Yuv444);
/// assert_eq!(Chroma::default().name(), "420");
/// assert!("422".parse::<Chroma>().is_err());
/// # Ok::<(), rlvideo::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Chroma {
    /// 4:2:0: one colour sample per 2x2 pixels (AV1 Main profile). Every AV1 player and
    /// browser decodes it.
    #[default]
    Yuv420,
    /// 4:4:4: one colour sample per pixel (AV1 High profile). Keeps thin coloured lines and
    /// small sprites sharp; software decoders (dav1d, libaom, browsers using them) play it,
    /// most hardware decoders do not.
    Yuv444,
}

impl Chroma {
    /// The name used in options and messages: `"420"` or `"444"`.
    pub const fn name(self) -> &'static str {
        match self {
            Chroma::Yuv420 => "420",
            Chroma::Yuv444 => "444",
        }
    }
}

impl std::str::FromStr for Chroma {
    type Err = Error;

    /// Parses `"420"` or `"444"`.
    fn from_str(name: &str) -> Result<Self> {
        match name {
            "420" => Ok(Chroma::Yuv420),
            "444" => Ok(Chroma::Yuv444),
            _ => Err(Error::InvalidOptions(format!(
                "chroma must be '420' or '444', got {name:?}"
            ))),
        }
    }
}

/// An integer option: its name, the values it takes and its default, written once. The
/// defaults are measured (README, "Options and measured defaults");
/// [`EncoderOptions::default`] and [`EncoderOptions::validate`] read them, and so do front
/// ends that take options from their callers (the Python binding's signatures).
///
/// ```
/// use rlvideo::{Error, QUANTIZER};
///
/// assert_eq!(QUANTIZER.check(120)?, 120);
/// match QUANTIZER.check(300) {
///     Err(Error::OptionOutOfRange { option, min, max, got }) => {
///         assert_eq!((option, min, max, got.as_str()), ("quantizer", 0, 255, "300"));
///     }
///     other => panic!("expected OptionOutOfRange, got {other:?}"),
/// }
/// # Ok::<(), rlvideo::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntOption {
    /// The option's name, as in [`EncoderOptions`] and the Python keyword arguments.
    pub name: &'static str,
    /// Smallest value taken.
    pub min: u64,
    /// Largest value taken.
    pub max: u64,
    /// The default.
    pub default: u64,
}

impl IntOption {
    /// `value` when it is within `min..=max`, else [`Error::OptionOutOfRange`] naming the
    /// option.
    pub fn check(self, value: i128) -> Result<u64> {
        match u64::try_from(value) {
            Ok(value) if (self.min..=self.max).contains(&value) => Ok(value),
            _ => Err(self.out_of_range(value)),
        }
    }

    /// The error for a value outside the range, shown as `got` (a value or a description,
    /// such as "an integer beyond 64 bits").
    pub fn out_of_range(self, got: impl std::fmt::Display) -> Error {
        Error::OptionOutOfRange {
            option: self.name,
            min: self.min,
            max: self.max,
            got: got.to_string(),
        }
    }
}

/// rav1e's speed preset: 10, the fastest (README: partitions and knobs measured on top).
pub const SPEED: IntOption = IntOption {
    name: "speed",
    min: 0,
    max: 10,
    default: 10,
};

/// Base quantizer: at 120 CartPole renders come out at Gymnasium's H.264 PSNR.
pub const QUANTIZER: IntOption = IntOption {
    name: "quantizer",
    min: 0,
    max: 255,
    default: 120,
};

/// Encoder threads per video (each is an OS thread); 0, the default, is one per core.
pub const THREADS: IntOption = IntOption {
    name: "threads",
    min: 0,
    max: 256,
    default: 0,
};

/// Tiles per frame (AV1 allows 64 columns by 64 rows); 0, the default, is one per encoder
/// thread, at most 8.
pub const TILES: IntOption = IntOption {
    name: "tiles",
    min: 0,
    max: 4096,
    default: 0,
};

/// Longest run of frames between keyframes; rav1e takes at most `i32::MAX / 3`.
pub const KEYFRAME_INTERVAL: IntOption = IntOption {
    name: "keyframe_interval",
    min: 1,
    max: i32::MAX as u64 / 3,
    default: 240,
};

/// Queue budget: 128 MiB of frames waiting for the encoder (180 frames of 600x400 RGB) by
/// default. Peak memory while recording is this plus the encoder state (~30 MiB), whatever
/// the episode length; 256 MiB put a 2,000-frame episode at 0.21x Gymnasium's peak.
pub const MEMORY_BUDGET: IntOption = IntOption {
    name: "memory_budget",
    min: 1,
    max: usize::MAX as u64,
    default: 128 << 20,
};

/// Niceness increment of the encoder threads; 0 (the caller's priority) by default. At 10
/// the loop only ran ahead by piling up videos still encoding (34 at once in
/// `tests/test_best_episodes.py` on a loaded machine); with the process-wide bound on videos
/// encoding at once ([`crate::set_max_videos_encoding`]) it cannot, and then 10 bought
/// nothing (8 recording processes on 2 cores: 216 env steps/s against 217) and cost a loop
/// that waits on starved encoders when other programs load the machine (1.65x the time).
/// docs/options.md has the measurements.
pub const NICE: IntOption = IntOption {
    name: "nice",
    min: 0,
    max: 19,
    default: 0,
};

/// Whole-number enlargement of every frame; 1, the default, keeps the frames' size (a
/// drop-in recorder's videos have the env's render size). 0 means automatic: see
/// [`AUTO_SCALE_MIN_SIDE`]. Up to 8: a 64x64 render becomes 512x512.
pub const SCALE: IntOption = IntOption {
    name: "scale",
    min: 0,
    max: 8,
    default: 1,
};

/// With `scale = 0`, frames whose shorter side is under this many pixels are enlarged by
/// the smallest even factor that reaches it (at most [`SCALE`]'s maximum): Atari's 160x210
/// by 2 (320x420), 84x84 and 64x64 by 4. 240 lines is about the smallest picture video
/// players and web pages show legibly (sample-factory enlarges renders under 180 pixels by
/// hand for the same reason). Even, because at an odd factor the 2x2 colour samples of
/// 4:2:0 straddle source pixels again: on the 97x61 clip of `tests/test_chroma.py` the
/// worst channel comes out at 27.9 dB at 3x, 44.0 at 2x and 47.6 at 4x.
pub const AUTO_SCALE_MIN_SIDE: usize = 240;

/// Default of [`EncoderOptions::low_latency`].
pub const DEFAULT_LOW_LATENCY: bool = true;
/// Default of [`EncoderOptions::rl_tuning`].
pub const DEFAULT_RL_TUNING: bool = true;
/// Default of [`EncoderOptions::static_skip`].
pub const DEFAULT_STATIC_SKIP: bool = true;
/// Default of [`EncoderOptions::faststart`]: on, since videos are small and browsers and
/// W&B start playing such files at once (docs/options.md has the measured cost).
pub const DEFAULT_FASTSTART: bool = true;

/// Default base quantizer ([`QUANTIZER`]'s default).
pub const DEFAULT_QUANTIZER: u8 = QUANTIZER.default as u8;

/// Default queue budget in bytes ([`MEMORY_BUDGET`]'s default).
pub const DEFAULT_MEMORY_BUDGET: usize = MEMORY_BUDGET.default as usize;

/// Longest keyframe interval rav1e accepts ([`KEYFRAME_INTERVAL`]'s maximum).
pub const MAX_KEYFRAME_INTERVAL: u64 = KEYFRAME_INTERVAL.max;

/// Most encoder threads one video may ask for ([`THREADS`]'s maximum).
pub const MAX_THREADS: usize = THREADS.max as usize;

/// Most tiles per frame ([`TILES`]'s maximum).
pub const MAX_TILES: usize = TILES.max as usize;

impl Default for EncoderOptions {
    fn default() -> Self {
        EncoderOptions {
            speed: SPEED.default as u8,
            quantizer: QUANTIZER.default as u8,
            threads: THREADS.default as usize,
            tiles: TILES.default as usize,
            keyframe_interval: KEYFRAME_INTERVAL.default,
            memory_budget: MEMORY_BUDGET.default as usize,
            low_latency: DEFAULT_LOW_LATENCY,
            rl_tuning: DEFAULT_RL_TUNING,
            static_skip: DEFAULT_STATIC_SKIP,
            chroma: Chroma::Yuv420,
            faststart: DEFAULT_FASTSTART,
            nice: NICE.default as u8,
            scale: SCALE.default as u8,
        }
    }
}

impl EncoderOptions {
    /// Checks every field's range; [`Error::OptionOutOfRange`] names the first one outside
    /// it, its range and its value.
    pub fn validate(&self) -> Result<()> {
        SPEED.check(self.speed.into())?;
        QUANTIZER.check(self.quantizer.into())?;
        THREADS.check(self.threads as i128)?;
        TILES.check(self.tiles as i128)?;
        KEYFRAME_INTERVAL.check(self.keyframe_interval.into())?;
        MEMORY_BUDGET.check(self.memory_budget as i128)?;
        NICE.check(self.nice.into())?;
        SCALE.check(self.scale.into())?;
        Ok(())
    }

    /// The factor frames of `width x height` are enlarged by: `scale`, or for `scale = 0`
    /// 1 if the shorter side is at least [`AUTO_SCALE_MIN_SIDE`] pixels, else the smallest
    /// even factor that makes it so (at most [`SCALE`]'s maximum, and only as large as
    /// keeps the video within [`check_dimensions`](crate::check_dimensions)).
    /// [`Error::InvalidFrame`] when a fixed
    /// `scale` makes the video larger than that, [`Error::OptionOutOfRange`] for a `scale`
    /// beyond [`SCALE`]'s range.
    ///
    /// ```
    /// use rlvideo::EncoderOptions;
    ///
    /// let auto = EncoderOptions { scale: 0, ..EncoderOptions::default() };
    /// assert_eq!(auto.scale_for(160, 210)?, 2); // Atari: 320x420
    /// assert_eq!(auto.scale_for(84, 84)?, 4); // even: 3 would split colour samples
    /// assert_eq!(auto.scale_for(600, 400)?, 1);
    /// let fixed = EncoderOptions { scale: 3, ..EncoderOptions::default() };
    /// assert_eq!(fixed.scale_for(600, 400)?, 3);
    /// assert!(fixed.scale_for(6000, 400).unwrap_err().to_string().contains("18000x1200"));
    /// # Ok::<(), rlvideo::Error>(())
    /// ```
    pub fn scale_for(&self, width: usize, height: usize) -> Result<usize> {
        scale_for(self.scale, width, height)
    }
}

/// [`EncoderOptions::scale_for`] of an option value alone (what a writer keeps).
pub(crate) fn scale_for(scale: u8, width: usize, height: usize) -> Result<usize> {
    let scale = SCALE.check(scale.into())? as usize;
    crate::check_dimensions(width, height)?;
    if scale == 0 {
        let wanted = AUTO_SCALE_MIN_SIDE.div_ceil(width.min(height));
        if wanted == 1 {
            return Ok(1);
        }
        // Even factors only: at an odd one, 4:2:0 colour samples straddle source pixels.
        let fits = |s: &usize| crate::check_dimensions(width * s, height * s).is_ok();
        let most = (wanted + wanted % 2).min(SCALE.max as usize);
        let largest = (1..=most / 2).rev().map(|half| half * 2).find(fits);
        return Ok(largest.unwrap_or(1));
    }
    // Within AV1's limits, width * scale cannot overflow (16384 * 8).
    let (w, h) = (width * scale, height * scale);
    match crate::check_dimensions(w, h) {
        Err(Error::InvalidFrame(why)) => Err(Error::InvalidFrame(format!(
            "scale={scale} makes {width}x{height} frames {w}x{h}: {why}"
        ))),
        other => other.map(|()| scale),
    }
}
