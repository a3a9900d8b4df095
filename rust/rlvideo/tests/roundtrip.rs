//! Write real videos, parse the MP4 back with mp4-atom and check what a demuxer relies on.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::Path;

use mp4_atom::{Any, Codec, Moov, ReadFrom};
use rlvideo::{EncoderOptions, Error, FrameRef, PixelFormat, VideoWriter};

/// A fresh folder under the system temp dir, removed on drop. (Not the tempfile crate: its
/// dependencies would change feature unification and make `cargo test` rebuild rav1e.)
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("rlvideo-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A watchdog for one test: if the test is still running after `DEADLINE`, it says which test
/// hangs and exits the test binary with a failure, instead of leaving `cargo test` waiting
/// forever on an encoder or writer thread that never finishes. Cancelled when dropped (the
/// watchdog's `recv_timeout` then returns `Disconnected`).
struct Deadline {
    _cancel: std::sync::mpsc::Sender<()>,
}

/// Generous: every test here takes a few seconds at most in a release build.
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(300);

impl Deadline {
    fn start() -> Self {
        let limit = DEADLINE;
        // libtest names each test's thread after the test.
        let test = std::thread::current()
            .name()
            .unwrap_or("a roundtrip test")
            .to_owned();
        let (cancel, cancelled) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = cancelled.recv_timeout(limit) {
                // Past libtest's capture, which would drop eprintln!'s text at exit.
                let mut stderr = std::io::stderr().lock();
                let _ = writeln!(stderr, "{test} still running after {limit:?}: it hangs");
                std::process::exit(101);
            }
        });
        Deadline { _cancel: cancel }
    }
}

struct Parsed {
    moov: Moov,
    mdat: Vec<u8>,
    raw: Vec<u8>,
}

fn parse(path: &Path) -> Parsed {
    let raw = std::fs::read(path).unwrap();
    let mut reader = BufReader::new(File::open(path).unwrap());
    let (mut moov, mut mdat) = (None, None);
    while let Ok(atom) = Any::read_from(&mut reader) {
        match atom {
            Any::Moov(m) => moov = Some(m),
            Any::Mdat(m) => mdat = Some(m.data),
            _ => {}
        }
    }
    Parsed {
        moov: moov.expect("moov"),
        mdat: mdat.expect("mdat"),
        raw,
    }
}

/// A moving gradient, so consecutive frames differ.
fn gradient(width: usize, height: usize, t: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(width * height * 3);
    for y in 0..height {
        for x in 0..width {
            out.extend([
                ((x + t) * 255 / width.max(1)) as u8,
                (y * 255 / height.max(1)) as u8,
                90,
            ]);
        }
    }
    out
}

fn record(
    path: &Path,
    width: usize,
    height: usize,
    frames: usize,
    fps: f64,
    options: EncoderOptions,
) -> rlvideo::Summary {
    let mut writer = VideoWriter::create(path, fps, options).unwrap();
    for t in 0..frames {
        let pixels = gradient(width, height, t);
        writer
            .write(FrameRef::packed(&pixels, width, height, PixelFormat::Rgb).unwrap())
            .unwrap();
    }
    writer.finish().unwrap()
}

#[test]
fn sample_table_timing_keyframes_and_sequence_header_round_trip() {
    let _deadline = Deadline::start();
    let dir = TempDir::new();
    let path = dir.path().join("video.mp4");
    let options = EncoderOptions {
        keyframe_interval: 10,
        ..Default::default()
    };
    let summary = record(&path, 64, 48, 25, 29.97, options);
    assert_eq!(summary.frames, 25);
    assert_eq!((summary.width, summary.height), (64, 48));
    assert_eq!(summary.bytes, std::fs::metadata(&path).unwrap().len());

    let parsed = parse(&path);
    let trak = &parsed.moov.trak[0];
    let stbl = &trak.mdia.minf.stbl;
    // 29.97 fps is exactly 2997 ticks per second, 100 ticks per frame.
    assert_eq!(trak.mdia.mdhd.timescale, 2997);
    assert_eq!(trak.mdia.mdhd.duration, 25 * 100);
    assert_eq!(stbl.stts.entries.len(), 1);
    assert_eq!(
        (
            stbl.stts.entries[0].sample_count,
            stbl.stts.entries[0].sample_delta
        ),
        (25, 100)
    );

    let sizes = match &stbl.stsz.samples {
        mp4_atom::StszSamples::Different { sizes } => sizes.clone(),
        other => panic!("unexpected stsz {other:?}"),
    };
    assert_eq!(sizes.len(), 25);
    assert_eq!(
        sizes.iter().map(|&s| s as usize).sum::<usize>(),
        parsed.mdat.len()
    );

    // Keyframes every 10 frames at most, the first one first.
    let keyframes = &stbl.stss.as_ref().expect("stss").entries;
    assert_eq!(keyframes[0], 1);
    assert!(keyframes.len() >= 3, "{keyframes:?}");
    assert!(
        keyframes.windows(2).all(|w| w[1] - w[0] <= 10),
        "{keyframes:?}"
    );

    // av1C carries the sequence header OBU (type 1); samples carry no temporal delimiters.
    let Codec::Av01(av01) = &stbl.stsd.codecs[0] else {
        panic!("not av01")
    };
    assert_eq!((av01.visual.width, av01.visual.height), (64, 48));
    assert_eq!((av01.av1c.config_obus[0] >> 3) & 0x0f, 1);
    assert!(av01.colr.is_some());
    let offset = stbl.co64.as_ref().expect("co64").entries[0] as usize;
    let mut pos = offset;
    for (i, &size) in sizes.iter().enumerate() {
        let obu_type = (parsed.raw[pos] >> 3) & 0x0f;
        assert_ne!(obu_type, 2, "sample {i} starts with a temporal delimiter");
        pos += size as usize;
    }
}

#[test]
fn integer_and_fractional_frame_rates_are_exact() {
    let _deadline = Deadline::start();
    let dir = TempDir::new();
    for (fps, timescale, delta) in [(50.0, 50, 1), (4.0, 4, 1), (12.5, 25, 2), (15.0, 15, 1)] {
        let path = dir.path().join(format!("fps{fps}.mp4"));
        let summary = record(&path, 32, 32, 5, fps, EncoderOptions::default());
        let mdia = &parse(&path).moov.trak[0].mdia;
        assert_eq!(mdia.mdhd.timescale, timescale, "{fps}");
        assert_eq!(mdia.minf.stbl.stts.entries[0].sample_delta, delta, "{fps}");
        assert!((summary.duration.as_secs_f64() - 5.0 / fps).abs() < 1e-9);
    }
}

#[test]
fn reordering_mode_keeps_one_sample_per_frame() {
    let _deadline = Deadline::start();
    let dir = TempDir::new();
    let path = dir.path().join("reorder.mp4");
    let options = EncoderOptions {
        low_latency: false,
        ..Default::default()
    };
    let summary = record(&path, 48, 32, 40, 30.0, options);
    assert_eq!(summary.frames, 40);
    let stbl = &parse(&path).moov.trak[0].mdia.minf.stbl;
    assert_eq!(stbl.stts.entries[0].sample_count, 40);
}

#[test]
fn frames_under_16_pixels_are_cropped_back_with_clap() {
    let _deadline = Deadline::start();
    let dir = TempDir::new();
    let path = dir.path().join("tiny.mp4");
    record(&path, 15, 7, 3, 30.0, EncoderOptions::default());
    let parsed = parse(&path);
    let tkhd = &parsed.moov.trak[0].tkhd;
    assert_eq!((tkhd.width.integer(), tkhd.height.integer()), (15, 7));
    // The av01 entry holds a clap box for 15x7 out of the 16x16 coded picture.
    let at = parsed
        .raw
        .windows(4)
        .position(|w| w == b"clap")
        .expect("clap box");
    let field = |i: usize| {
        u32::from_be_bytes(
            parsed.raw[at + 4 + 4 * i..at + 8 + 4 * i]
                .try_into()
                .unwrap(),
        )
    };
    assert_eq!((field(0), field(1), field(2), field(3)), (15, 1, 7, 1));
}

/// The file's top-level boxes, in order: (type, offset, size).
fn top_level_boxes(raw: &[u8]) -> Vec<(String, usize, usize)> {
    let mut found = Vec::new();
    let mut at = 0;
    while at + 8 <= raw.len() {
        let mut size = u32::from_be_bytes(raw[at..at + 4].try_into().unwrap()) as usize;
        if size == 1 {
            size = u64::from_be_bytes(raw[at + 8..at + 16].try_into().unwrap()) as usize;
        }
        assert!(size >= 8 && at + size <= raw.len(), "bad box at {at}");
        found.push((
            String::from_utf8_lossy(&raw[at + 4..at + 8]).into(),
            at,
            size,
        ));
        at += size;
    }
    assert_eq!(at, raw.len(), "bytes after the last box");
    found
}

/// Every sample's bytes, where `co64` and `stsz` say they are.
fn samples(parsed: &Parsed) -> Vec<Vec<u8>> {
    let stbl = &parsed.moov.trak[0].mdia.minf.stbl;
    let mp4_atom::StszSamples::Different { sizes } = &stbl.stsz.samples else {
        panic!("unexpected stsz {:?}", stbl.stsz.samples)
    };
    let mut at = stbl.co64.as_ref().expect("co64").entries[0] as usize;
    sizes
        .iter()
        .map(|&size| {
            let sample = parsed.raw[at..at + size as usize].to_vec();
            at += size as usize;
            sample
        })
        .collect()
}

/// The OBU types of a sample, walking its OBU headers and sizes (AV1 spec 5.3); panics
/// unless they tile the sample exactly, as they do only when the sample starts where an OBU
/// starts.
fn obu_types(sample: &[u8]) -> Vec<u8> {
    let mut types = Vec::new();
    let mut at = 0;
    while at < sample.len() {
        let header = sample[at];
        assert_eq!(header & 0x80, 0, "forbidden bit set at {at}");
        assert_ne!(header & 0x02, 0, "OBU at {at} without a size field");
        types.push((header >> 3) & 0x0f);
        at += 1 + usize::from(header & 0x04 != 0); // the extension byte
        let (mut size, mut shift) = (0usize, 0);
        loop {
            let byte = sample[at];
            at += 1;
            size |= usize::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        at += size;
    }
    assert_eq!(at, sample.len(), "the OBUs overrun the sample");
    types
}

#[test]
fn faststart_puts_the_index_first_and_points_it_at_the_same_samples() {
    let _deadline = Deadline::start();
    // 15x7 also splices `clap` into `moov`, which must be counted in the offset.
    for (width, height) in [(96, 64), (15, 7)] {
        let dir = TempDir::new();
        let mut videos = Vec::new();
        for faststart in [true, false] {
            let path = dir.path().join(format!("{faststart}.mp4"));
            let options = EncoderOptions {
                threads: 1,
                keyframe_interval: 10,
                faststart,
                ..Default::default()
            };
            let summary = record(&path, width, height, 25, 30.0, options);
            assert_eq!(summary.bytes, std::fs::metadata(&path).unwrap().len());
            videos.push(parse(&path));
        }
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "temporary files left: {names:?}");

        let order = |parsed: &Parsed| -> Vec<String> {
            top_level_boxes(&parsed.raw)
                .into_iter()
                .map(|b| b.0)
                .collect()
        };
        let (fast, streamed) = (&videos[0], &videos[1]);
        assert_eq!(order(fast), ["ftyp", "moov", "mdat"]);
        assert_eq!(order(streamed), ["ftyp", "mdat", "moov"]);

        // The index is the same apart from where the samples are...
        let fast_samples = samples(fast);
        let (mut fast_moov, mut streamed_moov) = (fast.moov.clone(), streamed.moov.clone());
        fast_moov.trak[0].mdia.minf.stbl.co64 = None;
        streamed_moov.trak[0].mdia.minf.stbl.co64 = None;
        assert_eq!(fast_moov, streamed_moov);
        // ...and there are the same bytes, each sample a whole temporal unit of OBUs, the
        // first a key frame opening with its sequence header (OBU type 1).
        assert!(
            fast_samples == samples(streamed),
            "{width}x{height}: samples differ"
        );
        assert_eq!(obu_types(&fast_samples[0])[0], 1);
        for sample in &fast_samples {
            obu_types(sample);
        }
        // The samples fill the mdat, which ends the file.
        let (_, mdat_at, mdat_size) = top_level_boxes(&fast.raw)[2].clone();
        let first = fast.moov.trak[0]
            .mdia
            .minf
            .stbl
            .co64
            .as_ref()
            .unwrap()
            .entries[0];
        assert_eq!(first as usize, mdat_at + 16);
        let total: usize = fast_samples.iter().map(Vec::len).sum();
        assert_eq!(
            (mdat_size - 16, mdat_at + mdat_size),
            (total, fast.raw.len())
        );
    }
}

#[test]
fn file_appears_only_when_finished_and_no_temporary_file_is_left() {
    let _deadline = Deadline::start();
    let dir = TempDir::new();
    let path = dir.path().join("atomic.mp4");
    let mut writer = VideoWriter::create(&path, 30.0, EncoderOptions::default()).unwrap();
    let pixels = gradient(32, 32, 0);
    writer
        .write(FrameRef::packed(&pixels, 32, 32, PixelFormat::Rgb).unwrap())
        .unwrap();
    assert!(!path.exists(), "final name must not exist before finish");
    writer.finish().unwrap();
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("atomic.mp4")]);
}

#[test]
fn no_frames_means_no_file() {
    let _deadline = Deadline::start();
    let dir = TempDir::new();
    let path = dir.path().join("empty.mp4");
    let summary = VideoWriter::create(&path, 30.0, EncoderOptions::default())
        .unwrap()
        .finish()
        .unwrap();
    assert_eq!(summary.frames, 0);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_size_change_is_rejected_and_the_video_stays_valid() {
    let _deadline = Deadline::start();
    let dir = TempDir::new();
    let path = dir.path().join("resize.mp4");
    let mut writer = VideoWriter::create(&path, 30.0, EncoderOptions::default()).unwrap();
    let a = gradient(32, 32, 0);
    let b = gradient(40, 32, 0);
    writer
        .write(FrameRef::packed(&a, 32, 32, PixelFormat::Rgb).unwrap())
        .unwrap();
    let err = writer
        .write(FrameRef::packed(&b, 40, 32, PixelFormat::Rgb).unwrap())
        .unwrap_err();
    assert!(matches!(err, Error::InvalidFrame(_)), "{err}");
    assert!(
        err.to_string().contains("32x32") && err.to_string().contains("40x32"),
        "{err}"
    );
    writer
        .write(FrameRef::packed(&a, 32, 32, PixelFormat::Rgb).unwrap())
        .unwrap();
    assert_eq!(writer.finish().unwrap().frames, 2);
}

#[test]
fn a_missing_folder_is_an_io_error_naming_the_video() {
    let _deadline = Deadline::start();
    let err = VideoWriter::create(
        "/nonexistent-rlvideo-dir/x.mp4",
        30.0,
        EncoderOptions::default(),
    )
    .unwrap_err();
    match err {
        Error::Io { path, .. } => assert_eq!(path, Path::new("/nonexistent-rlvideo-dir/x.mp4")),
        other => panic!("expected Io, got {other}"),
    }
}

#[test]
fn a_tiny_memory_budget_blocks_but_drops_nothing() {
    let _deadline = Deadline::start();
    let dir = TempDir::new();
    let path = dir.path().join("budget.mp4");
    // Room for less than one frame: every write waits for the previous one.
    let options = EncoderOptions {
        memory_budget: 1000,
        ..Default::default()
    };
    assert_eq!(record(&path, 64, 64, 30, 30.0, options).frames, 30);
    assert_eq!(
        parse(&path).moov.trak[0].mdia.minf.stbl.stts.entries[0].sample_count,
        30
    );
}

#[test]
fn eight_writers_in_parallel_threads() {
    let _deadline = Deadline::start();
    let dir = TempDir::new();
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let path = dir.path().join(format!("w{i}.mp4"));
            std::thread::spawn(move || {
                record(
                    &path,
                    40 + i,
                    30,
                    20,
                    30.0,
                    EncoderOptions {
                        threads: 1,
                        ..Default::default()
                    },
                )
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        let summary = h.join().unwrap();
        assert_eq!((summary.frames, summary.width), (20, 40 + i));
    }
}

#[test]
fn end_input_finishes_in_the_background() {
    let _deadline = Deadline::start();
    let dir = TempDir::new();
    let path = dir.path().join("background.mp4");
    let mut writer = VideoWriter::create(&path, 30.0, EncoderOptions::default()).unwrap();
    let pixels = gradient(64, 48, 0);
    for _ in 0..10 {
        writer
            .write(FrameRef::packed(&pixels, 64, 48, PixelFormat::Rgb).unwrap())
            .unwrap();
    }
    writer.end_input();
    assert!(!writer.is_open());
    let err = writer
        .write(FrameRef::packed(&pixels, 64, 48, PixelFormat::Rgb).unwrap())
        .unwrap_err();
    assert!(matches!(err, Error::Closed), "{err}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !writer.is_finished() {
        assert!(
            std::time::Instant::now() < deadline,
            "encoder thread never finished"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(
        path.exists(),
        "the file is complete once the thread has finished"
    );
    assert_eq!(writer.finish().unwrap().frames, 10);
}

#[test]
fn is_finished_agrees_with_wait_finished() {
    // Both must read the same signal: `wait_finished` returning true while
    // `is_finished` still said false (the thread not yet returned) broke a doctest in CI;
    // 300 videos made the old code fail here within the first few.
    let _deadline = Deadline::start();
    let dir = TempDir::new();
    let pixels = gradient(16, 16, 0);
    for i in 0..300 {
        let path = dir.path().join(format!("agree-{i}.mp4"));
        let mut writer = VideoWriter::create(&path, 30.0, EncoderOptions::default()).unwrap();
        writer
            .write(FrameRef::packed(&pixels, 16, 16, PixelFormat::Rgb).unwrap())
            .unwrap();
        writer.end_input();
        assert!(writer.wait_finished(std::time::Duration::from_secs(60)));
        assert!(writer.is_finished(), "video {i}: wait_finished said done");
        assert!(path.exists(), "video {i}: the file is final once finished");
        assert_eq!(writer.finish().unwrap().frames, 1);
    }
}

#[cfg(feature = "fault-injection")]
#[test]
fn an_encoder_failure_surfaces_from_write_or_finish_and_leaves_no_file() {
    let _deadline = Deadline::start();
    let dir = TempDir::new();
    let pixels = gradient(64, 48, 0);
    let frame = || FrameRef::packed(&pixels, 64, 48, PixelFormat::Rgb).unwrap();

    // Failing mid-stream: a later write (or finish) reports it; nothing aborts.
    let path = dir.path().join("rlvideo-fail-encoder-at-3.mp4");
    let writer = VideoWriter::create(
        &path,
        30.0,
        EncoderOptions {
            memory_budget: 1,
            ..Default::default()
        },
    )
    .unwrap();
    let error = first_error(writer, 50, frame).expect("the failure must surface");
    assert!(
        matches!(error, Error::Encoder(ref m) if m.contains("injected failure at frame 3")),
        "{error}"
    );

    // Failing after the last write: finish reports it.
    let path2 = dir.path().join("rlvideo-fail-encoder-at-1-late.mp4");
    let mut writer = VideoWriter::create(&path2, 30.0, EncoderOptions::default()).unwrap();
    writer.write(frame()).unwrap();
    writer.write(frame()).unwrap();
    assert!(matches!(writer.finish(), Err(Error::Encoder(_))));

    assert_clean_and_usable(dir.path(), frame());
}

#[cfg(feature = "fault-injection")]
#[test]
fn encoder_failure_by_a_panic_on_a_pool_thread_is_reported_and_leaves_no_file() {
    let _deadline = Deadline::start();
    let dir = TempDir::new();
    let pixels = gradient(64, 48, 0);
    let frame = || FrameRef::packed(&pixels, 64, 48, PixelFormat::Rgb).unwrap();
    let path = dir.path().join("rlvideo-panic-encoder-at-2.mp4");
    let options = EncoderOptions {
        threads: 2,
        ..Default::default()
    };
    let writer = VideoWriter::create(&path, 30.0, options).unwrap();
    let error = first_error(writer, 10, frame).expect("the panic must surface as an error");
    assert!(
        matches!(error, Error::ThreadPanicked(ref m) if m.contains("injected panic at frame 2")),
        "{error}"
    );
    assert_clean_and_usable(dir.path(), frame()); // and the process lives on
}

#[cfg(feature = "fault-injection")]
#[test]
fn encoder_failure_after_the_faststart_copy_removes_both_temporary_files() {
    let _deadline = Deadline::start();
    let dir = TempDir::new();
    let pixels = gradient(64, 48, 0);
    let frame = || FrameRef::packed(&pixels, 64, 48, PixelFormat::Rgb).unwrap();
    let path = dir.path().join("rlvideo-fail-faststart.mp4");
    let mut writer = VideoWriter::create(&path, 30.0, EncoderOptions::default()).unwrap();
    for _ in 0..5 {
        writer.write(frame()).unwrap();
    }
    let error = writer.finish().unwrap_err();
    assert!(
        matches!(error, Error::Encoder(ref m) if m.contains("after the faststart copy")),
        "{error}"
    );
    assert_clean_and_usable(dir.path(), frame());
}

/// After a failed video: no debris in `folder`, and a new writer there works.
#[cfg(feature = "fault-injection")]
fn assert_clean_and_usable(folder: &std::path::Path, frame: FrameRef<'_>) {
    assert_eq!(std::fs::read_dir(folder).unwrap().count(), 0);
    let ok = folder.join("ok.mp4");
    let mut writer = VideoWriter::create(&ok, 30.0, EncoderOptions::default()).unwrap();
    writer.write(frame).unwrap();
    assert_eq!(writer.finish().unwrap().frames, 1);
}

/// Writes up to `frames` frames, then finishes; the first error either returned.
#[cfg(feature = "fault-injection")]
fn first_error<'a>(
    mut writer: VideoWriter,
    frames: usize,
    frame: impl Fn() -> FrameRef<'a>,
) -> Option<Error> {
    for _ in 0..frames {
        if let Err(e) = writer.write(frame()) {
            return Some(e);
        }
    }
    writer.finish().err()
}

/// A frame stored bottom-up, shown top-down through a negative row stride; counts drops.
struct FlippedFrame {
    pixels: Vec<u8>,
    width: usize,
    height: usize,
    drops: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl rlvideo::SharedFrame for FlippedFrame {
    fn view(&self) -> rlvideo::Result<FrameRef<'_>> {
        let row = (self.width * 3) as isize;
        let origin = (self.height - 1) * self.width * 3;
        FrameRef::strided(
            &self.pixels,
            origin,
            self.width,
            self.height,
            PixelFormat::Rgb,
            [-row, 3, 1],
        )
    }
}

impl Drop for FlippedFrame {
    fn drop(&mut self) {
        self.drops.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn shared_frames_packed_or_strided_are_encoded_and_let_go() {
    let _deadline = Deadline::start();
    use rlvideo::OwnedFrame;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let dir = TempDir::new();
    let path = dir.path().join("shared.mp4");
    let drops = Arc::new(AtomicUsize::new(0));
    let mut writer = VideoWriter::create(&path, 30.0, EncoderOptions::default()).unwrap();
    for t in 0..12 {
        let pixels = gradient(48, 32, t);
        match t % 3 {
            0 => writer
                .write(FrameRef::packed(&pixels, 48, 32, PixelFormat::Rgb).unwrap())
                .unwrap(),
            1 => writer
                .write_shared(OwnedFrame::new(pixels, 48, 32, PixelFormat::Rgb).unwrap())
                .unwrap(),
            _ => writer
                .write_shared(FlippedFrame {
                    pixels,
                    width: 48,
                    height: 32,
                    drops: Arc::clone(&drops),
                })
                .unwrap(),
        }
    }
    let err = writer
        .write_shared(OwnedFrame::new(gradient(32, 32, 0), 32, 32, PixelFormat::Rgb).unwrap())
        .unwrap_err();
    assert!(err.to_string().contains("48x32"), "{err}");
    let summary = writer.finish().unwrap();
    assert_eq!(summary.frames, 12);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        4,
        "every kept frame is dropped once"
    );
    let parsed = parse(&path);
    match &parsed.moov.trak[0].mdia.minf.stbl.stsz.samples {
        mp4_atom::StszSamples::Different { sizes } => assert_eq!(sizes.len(), 12),
        other => panic!("unexpected stsz {other:?}"),
    }
}

#[test]
fn an_owned_frame_of_the_wrong_length_is_refused() {
    let _deadline = Deadline::start();
    for len in [47, 49] {
        let err = rlvideo::OwnedFrame::new(vec![0; len], 4, 4, PixelFormat::Rgb).unwrap_err();
        assert!(matches!(err, Error::InvalidFrame(_)), "{err}");
        assert!(
            err.to_string().contains(&format!("48 bytes, got {len}")),
            "{err}"
        );
    }
}

/// Shows 32x32 when queued and 16x16 to the encoder thread: a broken `SharedFrame`.
struct ShrinkingFrame {
    pixels: Vec<u8>,
    views: std::sync::atomic::AtomicUsize,
}

impl rlvideo::SharedFrame for ShrinkingFrame {
    fn view(&self) -> rlvideo::Result<FrameRef<'_>> {
        let calls = self.views.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let side = if calls == 0 { 32 } else { 16 };
        FrameRef::packed(
            &self.pixels[..side * side * 3],
            side,
            side,
            PixelFormat::Rgb,
        )
    }
}

#[test]
fn a_shared_frame_whose_view_changes_is_an_error_not_a_wrong_video() {
    let _deadline = Deadline::start();
    let dir = TempDir::new();
    let path = dir.path().join("shrinking.mp4");
    let mut writer = VideoWriter::create(&path, 30.0, EncoderOptions::default()).unwrap();
    let frame = ShrinkingFrame {
        pixels: gradient(32, 32, 0),
        views: std::sync::atomic::AtomicUsize::new(0),
    };
    writer.write_shared(frame).unwrap();
    let err = writer.finish().unwrap_err();
    assert!(
        err.to_string().contains("queued as 32x32 showed 16x16"),
        "{err}"
    );
    assert!(!path.exists());
}

#[test]
fn frames_encoded_counts_up_to_the_frames_written() {
    let _deadline = Deadline::start();
    let dir = TempDir::new();
    let pixels = gradient(64, 48, 0);
    let mut writer = VideoWriter::create(
        dir.path().join("count.mp4"),
        30.0,
        EncoderOptions::default(),
    )
    .unwrap();
    assert_eq!(writer.frames_encoded(), 0);
    for _ in 0..12 {
        writer
            .write(FrameRef::packed(&pixels, 64, 48, PixelFormat::Rgb).unwrap())
            .unwrap();
        assert!(writer.frames_encoded() <= writer.frames_written());
    }
    writer.end_input();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !writer.wait_finished(std::time::Duration::from_millis(50)) {
        assert!(
            std::time::Instant::now() < deadline,
            "encoder thread never finished"
        );
    }
    assert_eq!(writer.frames_encoded(), 12);
    assert_eq!(writer.finish().unwrap().frames, 12);
}
