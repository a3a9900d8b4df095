//! The encoder thread: frames in, MP4 file out, under a temporary name until complete.

use std::fs::{File, OpenOptions};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::Receiver;
use rayon::ThreadPool;

use crate::budget::ByteBudget;
use crate::encode::{EncodedPacket, Encoder, EncoderThreads};
use crate::error::{Error, Result};
use crate::frame::Packed;
use crate::in_flight::Slot;
use crate::mux::Mp4Muxer;
use crate::options::EncoderOptions;
use crate::pool::BufferPool;
use crate::shared::QueuedFrame;
use crate::timing::FrameRate;

/// What a finished video is.
///
/// ```
/// use rlvideo::{EncoderOptions, FrameRef, PixelFormat, VideoWriter};
///
/// let path = std::env::temp_dir().join(format!("rlvideo-summary-{}.mp4", std::process::id()));
/// let mut writer = VideoWriter::create(&path, 25.0, EncoderOptions::default())?;
/// let gray = vec![128u8; 32 * 16];
/// for _ in 0..50 {
///     writer.write(FrameRef::packed(&gray, 32, 16, PixelFormat::Gray)?)?;
/// }
/// let summary = writer.finish()?;
/// assert_eq!((summary.frames, summary.width, summary.height), (50, 32, 16));
/// assert_eq!(summary.duration, std::time::Duration::from_secs(2));
/// assert_eq!(summary.bytes, std::fs::metadata(&path)?.len());
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Where the video is. No file exists there if `frames` is 0.
    pub path: PathBuf,
    /// Frames in the video.
    pub frames: u64,
    /// Size of the file in bytes (0 if no file was written).
    pub bytes: u64,
    /// Playing time: `frames / fps`.
    pub duration: Duration,
    /// The video's width in pixels: the frames', times [`EncoderOptions::scale`] (0 if no
    /// frame was written).
    pub width: usize,
    /// The video's height in pixels (0 if no frame was written).
    pub height: usize,
}

/// Everything the encoder thread owns.
pub(crate) struct Job {
    pub frames: Receiver<QueuedFrame>,
    pub budget: Arc<ByteBudget>,
    /// Frames muxed so far, for [`crate::VideoWriter::frames_encoded`].
    pub encoded: Arc<AtomicU64>,
    pub spare_buffers: Arc<BufferPool>,
    /// The video's place in the process-wide count, given back once the file is final.
    pub slot: Arc<Slot>,
    pub file: File,
    /// The file the samples are streamed into.
    pub temp_path: PathBuf,
    /// With `faststart`: the file the finished video is assembled in, index first.
    pub faststart_path: Option<PathBuf>,
    pub final_path: PathBuf,
    pub rate: FrameRate,
    pub options: EncoderOptions,
}

/// Runs the job to completion. On success the finished file is renamed to its final name;
/// on any failure (or panic inside rav1e) the temporary files are removed and the error
/// returned.
pub(crate) fn run(job: Job) -> Result<Summary> {
    let budget = Arc::clone(&job.budget);
    let slot = Arc::clone(&job.slot);
    let temp_path = job.temp_path.clone();
    let faststart_path = job.faststart_path.clone();
    let final_path = job.final_path.clone();
    let outcome = match EncoderThreads::start(&job.options) {
        Ok(threads) => {
            let pool = &threads.pool;
            let outcome =
                panic::catch_unwind(AssertUnwindSafe(|| pool.install(|| encode_all(job, pool))))
                    .unwrap_or_else(|payload| Err(Error::ThreadPanicked(panic_message(&payload))));
            threads.join(); // the video is not done while its threads still run
            outcome
        }
        Err(e) => Err(e),
    };
    let result = settle(outcome, &temp_path, faststart_path.as_deref(), &final_path);
    // Wakes any producer blocked on the budget (nobody will take its frame now) and tells
    // `VideoWriter::wait_finished` the file is final.
    budget.close();
    // Last, so that a video admitted in this one's place sees it finished; `finish` joins
    // this thread, so once it returns the video no longer counts either.
    slot.release();
    result
}

/// Queues one frame in rav1e, creating the encoder for the first frame's size.
fn send<'e>(
    encoder: &'e mut Option<Encoder>,
    rate: FrameRate,
    options: &EncoderOptions,
    pool: &Arc<ThreadPool>,
    frame: Packed<'_>,
) -> Result<&'e mut Encoder> {
    let enc = match encoder.take() {
        Some(enc) => enc,
        None => Encoder::new(frame.width, frame.height, rate, options, Arc::clone(pool))?,
    };
    let enc = encoder.insert(enc);
    enc.send(frame)?;
    Ok(enc)
}

/// Renames a complete video (the faststart copy if there is one, else the streamed file)
/// to its final name and removes the other temporary file; removes both otherwise.
fn settle(
    outcome: Result<Summary>,
    temp_path: &Path,
    faststart_path: Option<&Path>,
    final_path: &Path,
) -> Result<Summary> {
    let finished = faststart_path.unwrap_or(temp_path);
    let result = match outcome {
        Ok(summary) if summary.frames > 0 => std::fs::rename(finished, final_path)
            .map(|()| summary)
            .map_err(|e| Error::io("cannot rename the finished video to", final_path, e)),
        other => other,
    };
    // Errors ignored: after a failed write the folder may be gone; after the rename the
    // finished file has no temporary name left to remove.
    let _ = std::fs::remove_file(temp_path);
    if let Some(path) = faststart_path {
        let _ = std::fs::remove_file(path);
    }
    result
}

fn encode_all(job: Job, pool: &Arc<ThreadPool>) -> Result<Summary> {
    // Errors name the final path: the one the caller knows (the file is still temporary).
    let mut muxer = Mp4Muxer::new(job.file, job.final_path.clone())?;
    let mut encoder: Option<Encoder> = None;
    #[cfg(feature = "fault-injection")]
    let (fault, mut received) = (injected_fault(&job.final_path), 0u64);
    #[cfg(feature = "fault-injection")]
    let mut reconstruction = match fault {
        Some(Fault::DumpReconstruction) => {
            let path = job.final_path.with_extension("recon");
            Some(
                std::fs::File::create(&path)
                    .map_err(|e| Error::io("cannot create the reconstruction dump", &path, e))?,
            )
        }
        _ => None,
    };
    // Every packet: into the file (and, in the test-only build, its reconstruction beside it).
    let mut deliver = |packet: EncodedPacket, _dims: crate::mux::Dimensions| -> Result<()> {
        #[cfg(feature = "fault-injection")]
        if let Some(file) = reconstruction.as_mut() {
            dump_reconstruction(file, &packet, _dims)?;
        }
        mux_one(&mut muxer, &job.encoded, &packet)
    };
    for frame in job.frames.iter() {
        #[cfg(feature = "fault-injection")]
        {
            match fault {
                Some(Fault::Fail(at)) if at == received => {
                    let message = format!("injected failure at frame {received}");
                    return Err(Error::Encoder(message));
                }
                Some(Fault::Panic(at)) if at == received => {
                    // On a thread of the encoder's pool, as a panic in rav1e's own work
                    // would be; rayon carries it back to this thread.
                    rayon::scope(|s| s.spawn(|_| panic!("injected panic at frame {at}")));
                }
                Some(Fault::Slow(millis)) => {
                    // A slow encoder: the frame keeps its share of the memory budget
                    // meanwhile, so writes and close() wait at least this long per frame.
                    std::thread::sleep(Duration::from_millis(millis));
                }
                _ => {}
            }
            received += 1;
        }
        let bytes = frame.bytes();
        let enc = match frame {
            QueuedFrame::Copied(copied) => {
                let enc = send(&mut encoder, job.rate, &job.options, pool, copied.packed())?;
                job.spare_buffers.give(copied.data);
                enc
            }
            QueuedFrame::Shared { frame, size, .. } => {
                let view = frame.view()?;
                if (view.width(), view.height()) != size {
                    return Err(Error::InvalidFrame(format!(
                        "a shared frame queued as {}x{} showed {}x{} to the encoder thread; \
                         SharedFrame::view must describe the same frame every time",
                        size.0,
                        size.1,
                        view.width(),
                        view.height()
                    )));
                }
                let enc = match view.as_packed() {
                    Some(packed) => send(&mut encoder, job.rate, &job.options, pool, packed)?,
                    None => {
                        // A strided view: pack it here, off the caller's thread.
                        let mut data = job.spare_buffers.take(view.packed_len());
                        view.pack_into(&mut data);
                        let packed = Packed {
                            data: &data,
                            width: view.width(),
                            height: view.height(),
                            format: view.format(),
                        };
                        let enc = send(&mut encoder, job.rate, &job.options, pool, packed)?;
                        job.spare_buffers.give(data);
                        enc
                    }
                };
                drop(frame); // rav1e holds its own copy now: the caller's memory is let go
                enc
            }
        };
        job.budget.release(bytes);
        let dims = enc.dims;
        enc.drain(|packet| deliver(packet, dims))?;
    }
    let Some(mut enc) = encoder else {
        return Ok(Summary {
            path: job.final_path,
            frames: 0,
            bytes: 0,
            duration: Duration::ZERO,
            width: 0,
            height: 0,
        });
    };
    enc.flush();
    let dims = enc.dims;
    enc.drain(|packet| deliver(packet, dims))?;
    let frames = muxer.samples();
    let bytes = match &job.faststart_path {
        Some(path) => {
            let out = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .map_err(|e| Error::io("cannot create the video", &job.final_path, e))?;
            let bytes = muxer.finish_faststart(enc.dims, job.rate, out)?;
            #[cfg(feature = "fault-injection")]
            if let Some(Fault::FailFaststart) = fault {
                return Err(Error::Encoder(
                    "injected failure after the faststart copy".into(),
                ));
            }
            bytes
        }
        None => muxer.finish(enc.dims, job.rate)?,
    };
    Ok(Summary {
        path: job.final_path,
        frames,
        bytes,
        duration: Duration::from_secs_f64(frames as f64 / job.rate.fps()),
        width: enc.dims.width,
        height: enc.dims.height,
    })
}

/// Writes one packet and counts it as an encoded frame.
fn mux_one(muxer: &mut Mp4Muxer, encoded: &AtomicU64, packet: &EncodedPacket) -> Result<()> {
    muxer.write_packet(&packet.data, packet.keyframe)?;
    encoded.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// A fault injected by the test-only `fault-injection` feature.
#[cfg(feature = "fault-injection")]
#[derive(Clone, Copy)]
enum Fault {
    /// Return an encoder error at frame N.
    Fail(u64),
    /// Panic on an encoder pool thread at frame N.
    Panic(u64),
    /// Take N milliseconds more over every frame (tests of waits that must not depend on
    /// how fast this machine encodes).
    Slow(u64),
    /// Fail once the faststart copy is complete, before the rename (a test that both
    /// temporary files are removed).
    FailFaststart,
    /// Write rav1e's reconstruction of every frame beside the video (`<name>.recon`: each
    /// frame's Y, U and V planes at the coded size, rows without padding), for tests that
    /// compare it with what decoders show.
    DumpReconstruction,
}

/// The fault a file name asks for: "rlvideo-fail-encoder-at-N", "rlvideo-panic-encoder-at-N",
/// "rlvideo-slow-encoder-ms-N", "rlvideo-fail-faststart" or "rlvideo-dump-reconstruction".
#[cfg(feature = "fault-injection")]
fn injected_fault(path: &Path) -> Option<Fault> {
    let name = path.file_name()?.to_str()?;
    let frame_after = |marker: &str| -> Option<u64> {
        let rest = &name[name.find(marker)? + marker.len()..];
        rest.split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    frame_after("rlvideo-fail-encoder-at-")
        .map(Fault::Fail)
        .or_else(|| frame_after("rlvideo-panic-encoder-at-").map(Fault::Panic))
        .or_else(|| frame_after("rlvideo-slow-encoder-ms-").map(Fault::Slow))
        .or_else(|| {
            name.contains("rlvideo-fail-faststart")
                .then_some(Fault::FailFaststart)
        })
        .or_else(|| {
            name.contains("rlvideo-dump-reconstruction")
                .then_some(Fault::DumpReconstruction)
        })
}

/// Appends the packet's reconstructed frame, cropped to the coded size of `dims` (rav1e's
/// planes are allocated in whole 8x8 blocks), to `file` (`Fault::DumpReconstruction`).
#[cfg(feature = "fault-injection")]
fn dump_reconstruction(
    file: &mut std::fs::File,
    packet: &EncodedPacket,
    dims: crate::mux::Dimensions,
) -> Result<()> {
    use std::io::Write;
    let frame = packet
        .reconstruction
        .as_ref()
        .ok_or_else(|| Error::Encoder("rav1e returned no reconstruction".into()))?;
    for plane in &frame.planes {
        let (xdec, ydec) = (plane.cfg.xdec, plane.cfg.ydec);
        let width = (dims.coded_width + xdec) >> xdec;
        let height = (dims.coded_height + ydec) >> ydec;
        for row in plane.rows_iter().take(height) {
            file.write_all(&row[..width])
                .map_err(|e| Error::Encoder(format!("cannot dump the reconstruction: {e}")))?;
        }
    }
    Ok(())
}

fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}
