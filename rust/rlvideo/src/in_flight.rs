//! A process-wide bound on videos encoding at once, with back-pressure on new videos.
//!
//! A video whose input has ended ([`crate::VideoWriter::end_input`], Python's
//! `close(wait=False)`, a wrapper ending an episode) goes on encoding in the background, and
//! holds its thread pool, rav1e's frames and its queued frames until it is done. Nothing else
//! stops a loop that ends videos faster than the encoders finish them (encoders at a lower
//! priority under load, say) from piling them up: 34 at once in one test process (issue 23).
//! So a new video waits, in [`crate::VideoWriter::create`], while the bound is reached.
//!
//! A new video waits only for videos that are *finishing* (input ended, still encoding), never
//! for videos still open (taking frames): an open video ends when its caller ends it, and that
//! caller may be the very thread now waiting (one thread feeding two writers in turn, or a
//! wrapper that opens the next video before the last one's frames are in), which would wait
//! forever. A finishing video ends on its own, so every wait ends. Hence the rule: a new video
//! waits while `encoding >= limit` and at least one video is finishing. With one video open
//! at a time (each of this package's wrappers) no more than `limit` videos ever encode at once;
//! a program that keeps more videos open than the limit goes over it by those open ones.
//!
//! The wait is at creation, not at the first frame: the file, the thread and the pool are
//! what the bound is about, and an error then comes from the call that asked for them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// The environment variable that sets [`max_videos_encoding`] in a process that has not
/// called [`set_max_videos_encoding`]: a whole number, at least 1. Unlike a call, it reaches
/// every worker process a launcher starts (`AsyncVectorEnv`, `SubprocVecEnv`, Ray actors).
pub const MAX_VIDEOS_ENCODING_VAR: &str = "RLVIDEO_MAX_VIDEOS_ENCODING";

/// The bound used when neither [`set_max_videos_encoding`] nor [`MAX_VIDEOS_ENCODING_VAR`]
/// sets one: one video per CPU this process may use (its affinity mask and cgroup quota, as
/// `threads=0` counts them), and at least 2.
///
/// Encoding is CPU-bound, so videos in flight beyond the CPUs do not finish sooner; they only
/// hold threads and memory. Two let the next episode's video start while the last one
/// finishes, which is what lets the loop run ahead of the encoders at all.
pub fn default_max_videos_encoding() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .max(2)
}

/// How many videos may encode at once in this process before a new one waits (see
/// [`set_max_videos_encoding`]). Fails with [`Error::InvalidOptions`] if
/// [`MAX_VIDEOS_ENCODING_VAR`] is set to something else than a whole number >= 1 (and no
/// call has set the bound).
pub fn max_videos_encoding() -> Result<usize> {
    VIDEOS.limit()
}

/// Sets how many videos may encode at once in this process, from now on; waiting videos are
/// woken to look again. A video counts from [`crate::VideoWriter::create`] until its file is
/// complete (or its encoding failed); a new video waits while `limit` videos encode and at
/// least one of them is finishing (its input ended), never for videos still taking frames.
///
/// ```
/// rlvideo::set_max_videos_encoding(4)?;
/// assert_eq!(rlvideo::max_videos_encoding()?, 4);
/// assert!(rlvideo::set_max_videos_encoding(0).is_err());
/// # Ok::<(), rlvideo::Error>(())
/// ```
pub fn set_max_videos_encoding(limit: usize) -> Result<()> {
    VIDEOS.set_limit(limit)
}

/// Videos of this process encoding right now: created and not yet complete on disk (open
/// ones, taking frames, and finishing ones).
pub fn videos_encoding() -> usize {
    VIDEOS.lock().encoding
}

/// The process's videos.
static VIDEOS: Limiter = Limiter::new();

/// Counts of videos and the bound on them; one per process ([`VIDEOS`]), others in tests.
pub(crate) struct Limiter {
    counts: Mutex<Counts>,
    changed: Condvar,
}

struct Counts {
    encoding: usize,
    finishing: usize,
    /// `None` until first needed: then the environment variable, or the default.
    limit: Option<usize>,
}

impl Limiter {
    const fn new() -> Self {
        Limiter {
            counts: Mutex::new(Counts {
                encoding: 0,
                finishing: 0,
                limit: None,
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Counts> {
        // Three plain numbers: consistent even if a holder panicked.
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn limit(&self) -> Result<usize> {
        limit_of(&mut self.lock())
    }

    fn set_limit(&self, limit: usize) -> Result<()> {
        if limit == 0 {
            return Err(Error::InvalidOptions(
                "max_videos_encoding must be at least 1, got 0".into(),
            ));
        }
        self.lock().limit = Some(limit);
        self.changed.notify_all();
        Ok(())
    }

    /// Counts a new video once the bound lets it start, waiting up to `timeout` (forever for
    /// `None`); `Ok(None)` if it had to wait longer.
    pub(crate) fn admit(&'static self, timeout: Option<Duration>) -> Result<Option<Arc<Slot>>> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut counts = self.lock();
        loop {
            let limit = limit_of(&mut counts)?;
            if counts.encoding < limit || counts.finishing == 0 {
                counts.encoding += 1;
                return Ok(Some(Arc::new(Slot {
                    limiter: self,
                    finishing: AtomicBool::new(false),
                    released: AtomicBool::new(false),
                })));
            }
            counts = match deadline {
                None => self.changed.wait(counts).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(None);
                    }
                    self.changed
                        .wait_timeout(counts, left)
                        .map(|(guard, _)| guard)
                        .unwrap_or_else(|e| e.into_inner().0)
                }
            };
        }
    }
}

/// Admits a new video of this process (see [`Limiter::admit`]).
pub(crate) fn admit(timeout: Option<Duration>) -> Result<Option<Arc<Slot>>> {
    VIDEOS.admit(timeout)
}

fn limit_of(counts: &mut Counts) -> Result<usize> {
    if let Some(limit) = counts.limit {
        return Ok(limit);
    }
    let limit = match std::env::var_os(MAX_VIDEOS_ENCODING_VAR) {
        None => default_max_videos_encoding(),
        Some(value) => value
            .to_str()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&n| n >= 1)
            .ok_or_else(|| {
                Error::InvalidOptions(format!(
                    "{MAX_VIDEOS_ENCODING_VAR} must be a whole number of videos, at least 1, \
                     got {value:?}"
                ))
            })?,
    };
    // Not cached when invalid: fixing the variable (or calling the setter) is enough.
    counts.limit = Some(limit);
    Ok(limit)
}

/// One admitted video's place in the count, shared by its writer (which says when the input
/// ends) and its encoder thread (which gives the place back when the file is done).
pub(crate) struct Slot {
    limiter: &'static Limiter,
    finishing: AtomicBool,
    released: AtomicBool,
}

impl Slot {
    /// The video takes no more frames: from now on new videos may wait for it.
    pub(crate) fn end_input(&self) {
        let mut counts = self.limiter.lock();
        // The flags change under the limiter's lock, so they always agree with the counts.
        if !self.released.load(Ordering::Relaxed) && !self.finishing.swap(true, Ordering::Relaxed) {
            counts.finishing += 1;
            self.limiter.changed.notify_all();
        }
    }

    /// The video is complete (or failed): it no longer counts. Later calls do nothing.
    pub(crate) fn release(&self) {
        let mut counts = self.limiter.lock();
        if !self.released.swap(true, Ordering::Relaxed) {
            counts.encoding -= 1;
            if self.finishing.load(Ordering::Relaxed) {
                counts.finishing -= 1;
            }
            self.limiter.changed.notify_all();
        }
    }
}

impl Drop for Slot {
    /// A video that never ran (its thread could not start) still gives its place back.
    fn drop(&mut self) {
        self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(limit: usize) -> &'static Limiter {
        let limiter: &'static Limiter = Box::leak(Box::new(Limiter::new()));
        limiter.set_limit(limit).expect("a valid limit");
        limiter
    }

    fn counts(limiter: &Limiter) -> (usize, usize) {
        let counts = limiter.lock();
        (counts.encoding, counts.finishing)
    }

    #[test]
    fn open_videos_never_make_a_new_one_wait() {
        let limiter = limiter(1);
        let first = limiter.admit(Some(Duration::ZERO)).unwrap();
        let second = limiter.admit(Some(Duration::ZERO)).unwrap();
        assert!(first.is_some() && second.is_some(), "nothing is finishing");
        assert_eq!(counts(limiter), (2, 0));
    }

    #[test]
    fn a_new_video_waits_for_a_finishing_one() {
        let limiter = limiter(2);
        let open = limiter.admit(None).unwrap().unwrap();
        let ending = limiter.admit(None).unwrap().unwrap();
        ending.end_input();
        assert_eq!(counts(limiter), (2, 1));
        assert!(limiter
            .admit(Some(Duration::from_millis(30)))
            .unwrap()
            .is_none());
        // The waiter hands its slot back, so the count still holds it.
        let waiter = std::thread::spawn(move || limiter.admit(None).unwrap());
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            !waiter.is_finished(),
            "the bound is reached and a video is finishing"
        );
        ending.release();
        let admitted = waiter.join().unwrap();
        assert!(admitted.is_some());
        assert_eq!(counts(limiter), (2, 0));
        drop(open);
    }

    #[test]
    fn raising_the_limit_wakes_waiters() {
        let limiter = limiter(1);
        let ending = limiter.admit(None).unwrap().unwrap();
        ending.end_input();
        // The waiter hands its slot back, so the count still holds it.
        let waiter = std::thread::spawn(move || limiter.admit(None).unwrap());
        std::thread::sleep(Duration::from_millis(50));
        assert!(!waiter.is_finished());
        limiter.set_limit(2).unwrap();
        let admitted = waiter.join().unwrap();
        assert!(admitted.is_some());
        assert_eq!(counts(limiter), (2, 1));
        drop(ending);
    }

    #[test]
    fn release_and_end_input_count_once_and_drop_releases() {
        let limiter = limiter(3);
        let slot = limiter.admit(None).unwrap().unwrap();
        slot.end_input();
        slot.end_input();
        assert_eq!(counts(limiter), (1, 1));
        slot.release();
        slot.release();
        slot.end_input(); // after the encoder thread is done: nothing to wait for
        assert_eq!(counts(limiter), (0, 0));
        let dropped = limiter.admit(None).unwrap().unwrap();
        drop(dropped);
        assert_eq!(counts(limiter), (0, 0));
    }

    #[test]
    fn threads_with_one_open_video_each_never_exceed_the_limit() {
        // Each thread opens a video, ends it and leaves it to an "encoder" that finishes it
        // later. The count peaks right after an admission, where each thread looks at it.
        // With no more threads than the limit, the open videos alone never reach it.
        let limiter = limiter(3);
        let peak = Arc::new(Mutex::new(0usize));
        let threads: Vec<_> = (0..3)
            .map(|t| {
                let peak = Arc::clone(&peak);
                std::thread::spawn(move || {
                    for i in 0..30 {
                        let slot = limiter.admit(None).unwrap().unwrap();
                        {
                            let seen = limiter.lock().encoding;
                            let mut peak = peak.lock().unwrap();
                            *peak = (*peak).max(seen);
                        }
                        slot.end_input();
                        let delay = Duration::from_millis(((t + i) % 4) as u64);
                        std::thread::spawn(move || {
                            std::thread::sleep(delay);
                            slot.release();
                        });
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let peak = *peak.lock().unwrap();
        assert!(peak <= 3, "{peak} videos encoding at once, the limit is 3");
    }

    #[test]
    fn zero_is_refused() {
        assert!(matches!(
            Limiter::new().set_limit(0),
            Err(Error::InvalidOptions(_))
        ));
    }
}
