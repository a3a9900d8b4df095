//! Frame rate as an exact fraction, so MP4 timestamps never drift.

use crate::error::{Error, Result};

/// Frame rate when none is given (Gymnasium's when an env names no `render_fps`).
pub const DEFAULT_FPS: f64 = 30.0;

/// Highest frame rate we accept.
pub const MAX_FPS: f64 = 1000.0;

/// A frame rate `num / den` frames per second. In the MP4, `num` is the media timescale and
/// every frame lasts `den` ticks, so 29.97 fps is 2997/100 and NTSC's 30000/1001 stays exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRate {
    /// Ticks per second.
    pub num: u32,
    /// Ticks per frame.
    pub den: u32,
}

impl FrameRate {
    /// The simplest fraction within a millionth of a frame per `den` of `fps`; falls back
    /// to microsecond precision for rates no small fraction matches.
    ///
    /// ```
    /// use rlvideo::FrameRate;
    ///
    /// assert_eq!(FrameRate::from_fps(29.97)?, FrameRate { num: 2997, den: 100 });
    /// assert_eq!(FrameRate::from_fps(12.5)?, FrameRate { num: 25, den: 2 });
    /// assert!(FrameRate::from_fps(0.0).is_err());
    /// # Ok::<(), rlvideo::Error>(())
    /// ```
    pub fn from_fps(fps: f64) -> Result<Self> {
        if !fps.is_finite() || fps <= 0.0 || fps > MAX_FPS {
            return Err(Error::InvalidOptions(format!(
                "fps must be a number above 0 and at most {MAX_FPS}, got {fps}"
            )));
        }
        let den = (1..=1001u32)
            .find(|&den| {
                let ticks = fps * f64::from(den);
                (ticks - ticks.round()).abs() < 1e-6
            })
            .unwrap_or(1_000_000);
        let num = (fps * f64::from(den)).round() as u64;
        let divisor = gcd(num, u64::from(den));
        Ok(FrameRate {
            num: (num / divisor) as u32,
            den: (u64::from(den) / divisor) as u32,
        })
    }

    /// Frames per second as a float.
    pub fn fps(self) -> f64 {
        f64::from(self.num) / f64::from(self.den)
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_rates_are_exact() {
        let cases = [
            (30.0, (30, 1)),
            (50.0, (50, 1)),
            (4.0, (4, 1)),
            (12.5, (25, 2)),
            (29.97, (2997, 100)),
            (30000.0 / 1001.0, (30000, 1001)),
            (23.976, (2997, 125)),
        ];
        for (fps, (num, den)) in cases {
            assert_eq!(
                FrameRate::from_fps(fps).unwrap(),
                FrameRate { num, den },
                "{fps}"
            );
        }
    }

    #[test]
    fn rejects_nonsense() {
        for fps in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e6] {
            assert!(FrameRate::from_fps(fps).is_err(), "{fps}");
        }
    }
}
