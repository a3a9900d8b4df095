//! The process-wide bound on videos encoding at once: back-pressure on new videos, never a
//! wait for a video that is still open. Its own test binary, so its own process and count.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use mp4_atom::{Any, ReadFrom};
use rlvideo::{EncoderOptions, FrameRef, PixelFormat, VideoWriter};

/// The bound is process-wide: the tests of this file take turns.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// A fresh folder under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("rlvideo-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Ends the test binary if a test still runs after a minute: a hang fails, loudly.
fn watchdog() -> std::sync::mpsc::Sender<()> {
    let test = std::thread::current().name().unwrap_or("?").to_owned();
    let (cancel, cancelled) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
            cancelled.recv_timeout(Duration::from_secs(60))
        {
            eprintln!("{test} still running after 60 s: it hangs");
            std::process::exit(101);
        }
    });
    cancel
}

/// Noise-like frames, so that each video takes the encoder a while.
fn frame(t: usize) -> Vec<u8> {
    (0..160 * 120 * 3)
        .map(|i| ((i * 7919 + t * 104729) % 251) as u8)
        .collect()
}

fn write(writer: &mut VideoWriter, t: usize) {
    let pixels = frame(t);
    writer
        .write(FrameRef::packed(&pixels, 160, 120, PixelFormat::Rgb).unwrap())
        .unwrap();
}

fn options() -> EncoderOptions {
    EncoderOptions {
        threads: 1,
        ..EncoderOptions::default()
    }
}

/// Samples in the file's sample table.
fn samples_in(path: &Path) -> u32 {
    let mut reader = BufReader::new(File::open(path).unwrap());
    while let Ok(atom) = Any::read_from(&mut reader) {
        if let Any::Moov(moov) = atom {
            return moov.trak[0].mdia.minf.stbl.stts.entries[0].sample_count;
        }
    }
    panic!("no moov in {}", path.display())
}

#[test]
fn new_videos_wait_for_finishing_ones_and_the_bound_holds() {
    let _turn = one_at_a_time();
    let _watchdog = watchdog();
    let dir = TempDir::new("bound");
    rlvideo::set_max_videos_encoding(2).unwrap();
    // A wrapper's pattern: end each video in the background, start the next at once.
    let mut pending: Vec<VideoWriter> = Vec::new();
    let mut most = 0;
    for video in 0..10 {
        let mut writer =
            VideoWriter::create(dir.0.join(format!("{video}.mp4")), 30.0, options()).unwrap();
        // The count only rises when a video is created, so its peaks are seen here.
        most = most.max(rlvideo::videos_encoding());
        assert!(rlvideo::videos_encoding() <= 2);
        // Admitted at the bound of 2: at most one earlier video may still be encoding.
        let unfinished = pending.iter().filter(|w| !w.is_finished()).count();
        assert!(
            unfinished <= 1,
            "{unfinished} earlier videos still encoding"
        );
        for t in 0..20 {
            write(&mut writer, t);
        }
        writer.end_input();
        pending.push(writer);
    }
    for (video, writer) in pending.into_iter().enumerate() {
        let summary = writer.finish().unwrap();
        assert_eq!(summary.frames, 20);
        assert_eq!(samples_in(&dir.0.join(format!("{video}.mp4"))), 20);
    }
    assert_eq!(most, 2);
    assert_eq!(rlvideo::videos_encoding(), 0);
}

#[test]
fn one_thread_feeding_two_open_writers_never_waits_for_itself() {
    let _turn = one_at_a_time();
    let _watchdog = watchdog();
    let dir = TempDir::new("two-open");
    rlvideo::set_max_videos_encoding(1).unwrap();
    let path = |name: &str| dir.0.join(name);
    let mut a = VideoWriter::create(path("a.mp4"), 30.0, options()).unwrap();
    // Open videos are not waited for: the thread that would end them is this one.
    let mut b = VideoWriter::create(path("b.mp4"), 30.0, options()).unwrap();
    assert_eq!(
        rlvideo::videos_encoding(),
        2,
        "over the bound by the open videos"
    );
    for t in 0..12 {
        write(&mut a, t);
        write(&mut b, t);
    }
    a.end_input();
    // `a` finishes on its own; `c` waits for it (and not for `b`, still open).
    let mut c = VideoWriter::create(path("c.mp4"), 30.0, options()).unwrap();
    assert!(
        a.is_finished(),
        "c started while a was finishing, at the bound"
    );
    for t in 0..12 {
        write(&mut b, t);
        write(&mut c, t);
    }
    assert_eq!(a.finish().unwrap().frames, 12);
    assert_eq!(b.finish().unwrap().frames, 24);
    assert_eq!(c.finish().unwrap().frames, 12);
    for (name, frames) in [("a.mp4", 12), ("b.mp4", 24), ("c.mp4", 12)] {
        assert_eq!(samples_in(&path(name)), frames, "{name}");
    }
    assert_eq!(rlvideo::videos_encoding(), 0);
}

#[test]
fn create_within_gives_up_without_creating_anything() {
    let _turn = one_at_a_time();
    let _watchdog = watchdog();
    let dir = TempDir::new("within");
    rlvideo::set_max_videos_encoding(1).unwrap();
    let mut first = VideoWriter::create(dir.0.join("first.mp4"), 30.0, options()).unwrap();
    for t in 0..60 {
        write(&mut first, t);
    }
    first.end_input();
    // Bad options fail before any wait (a wait would give up with `None` here).
    let bad = EncoderOptions {
        nice: 20,
        ..options()
    };
    let refused = VideoWriter::create_within(dir.0.join("bad.mp4"), 30.0, bad, Duration::ZERO);
    assert!(matches!(
        refused,
        Err(rlvideo::Error::OptionOutOfRange { .. })
    ));
    // 60 frames still to encode: no slot frees up in no time.
    let second =
        VideoWriter::create_within(dir.0.join("second.mp4"), 30.0, options(), Duration::ZERO)
            .unwrap();
    assert!(second.is_none());
    let names: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| n.starts_with(".first.mp4.")),
        "only the first video's temporary file: {names:?}"
    );
    // Once the first is finished (`finish` joins its thread), there is room at once.
    assert_eq!(first.finish().unwrap().frames, 60);
    let mut second =
        VideoWriter::create_within(dir.0.join("second.mp4"), 30.0, options(), Duration::ZERO)
            .unwrap()
            .expect("room once the first video is done");
    write(&mut second, 0);
    assert_eq!(second.finish().unwrap().frames, 1);
    assert_eq!(rlvideo::videos_encoding(), 0);
}

#[test]
fn the_bound_is_read_back_and_zero_is_refused() {
    let _turn = one_at_a_time();
    rlvideo::set_max_videos_encoding(5).unwrap();
    assert_eq!(rlvideo::max_videos_encoding().unwrap(), 5);
    assert!(matches!(
        rlvideo::set_max_videos_encoding(0),
        Err(rlvideo::Error::InvalidOptions(_))
    ));
    assert_eq!(rlvideo::max_videos_encoding().unwrap(), 5);
    assert!(rlvideo::default_max_videos_encoding() >= 2);
}
