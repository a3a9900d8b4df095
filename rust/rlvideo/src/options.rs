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
    /// each frame, so this is where most of the speed comes from; keyframes and changed
    /// blocks are coded as before. `false` gives the same bytes as crates.io rav1e.
    pub static_skip: bool,
    /// How finely colour is stored: [`Chroma::Yuv420`] (the default, plays everywhere) or
    /// [`Chroma::Yuv444`] (full colour resolution, for small saturated renders).
    pub chroma: Chroma,
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

/// Default base quantizer: CartPole renders come out at Gymnasium's H.264 PSNR.
pub const DEFAULT_QUANTIZER: u8 = 120;

/// Default queue budget: 128 MiB of frames waiting for the encoder (180 frames of 600x400
/// RGB). Peak memory while recording is this plus the encoder state (~30 MiB), whatever the
/// episode length; 256 MiB put a 2,000-frame episode at 0.21x Gymnasium's peak.
pub const DEFAULT_MEMORY_BUDGET: usize = 128 << 20;

/// Longest keyframe interval rav1e accepts (`i32::MAX / 3`, rav1e's own limit).
pub const MAX_KEYFRAME_INTERVAL: u64 = i32::MAX as u64 / 3;

/// Most encoder threads one video may ask for (each is an OS thread).
pub const MAX_THREADS: usize = 256;

/// Most tiles per frame (AV1 allows 64 columns by 64 rows).
pub const MAX_TILES: usize = 4096;

impl Default for EncoderOptions {
    fn default() -> Self {
        EncoderOptions {
            speed: 10,
            quantizer: DEFAULT_QUANTIZER,
            threads: 0,
            tiles: 0,
            keyframe_interval: 240,
            memory_budget: DEFAULT_MEMORY_BUDGET,
            low_latency: true,
            rl_tuning: true,
            static_skip: true,
            chroma: Chroma::Yuv420,
        }
    }
}

impl EncoderOptions {
    /// Checks every field's range and says which one is wrong and what it should be.
    pub fn validate(&self) -> Result<()> {
        if self.speed > 10 {
            return Err(Error::InvalidOptions(format!(
                "speed must be between 0 and 10, got {}",
                self.speed
            )));
        }
        if !(1..=MAX_KEYFRAME_INTERVAL).contains(&self.keyframe_interval) {
            return Err(Error::InvalidOptions(format!(
                "keyframe_interval must be between 1 and {MAX_KEYFRAME_INTERVAL}, got {}",
                self.keyframe_interval
            )));
        }
        if self.memory_budget == 0 {
            return Err(Error::InvalidOptions(
                "memory_budget must be at least 1 byte, got 0".into(),
            ));
        }
        if self.tiles > MAX_TILES {
            return Err(Error::InvalidOptions(format!(
                "tiles must be between 0 and {MAX_TILES}, got {}",
                self.tiles
            )));
        }
        if self.threads > MAX_THREADS {
            return Err(Error::InvalidOptions(format!(
                "threads must be between 0 and {MAX_THREADS}, got {}",
                self.threads
            )));
        }
        Ok(())
    }
}
