//! [`VideoWriter`]: the caller-facing handle. `write` copies the frame once and hands it to
//! the encoder thread; `finish` waits for the file.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::Sender;

use crate::budget::ByteBudget;
use crate::error::{Error, Result};
use crate::frame::{FrameRef, PackedFrame};
use crate::in_flight::{self, Slot};
use crate::options::EncoderOptions;
use crate::pool::BufferPool;
use crate::shared::{QueuedFrame, SharedFrame};
use crate::timing::FrameRate;
use crate::worker::{self, Job, Summary};

/// Records frames to an AV1 MP4 file on a background thread.
///
/// ```no_run
/// use rlvideo::{EncoderOptions, FrameRef, PixelFormat, VideoWriter};
///
/// let mut writer = VideoWriter::create("episode.mp4", 30.0, EncoderOptions::default())?;
/// let pixels = vec![0u8; 64 * 48 * 3];
/// for _ in 0..30 {
///     writer.write(FrameRef::packed(&pixels, 64, 48, PixelFormat::Rgb)?)?;
/// }
/// let summary = writer.finish()?;
/// assert_eq!(summary.frames, 30);
/// # Ok::<(), rlvideo::Error>(())
/// ```
///
/// The file appears under its final name only when [`finish`](Self::finish) succeeds;
/// until then it is a hidden temporary file in the same folder (two at the end with
/// [`EncoderOptions::faststart`]). Dropping a writer without calling `finish` finishes the
/// video as well (waiting for it), ignoring errors.
pub struct VideoWriter {
    path: PathBuf,
    frame_size: Option<(usize, usize)>,
    /// `EncoderOptions::scale`, to refuse a first frame that it would make too large here,
    /// on the caller's thread, rather than on the encoder's.
    scale: u8,
    frames: u64,
    queue: Option<Sender<QueuedFrame>>,
    spare_buffers: Arc<BufferPool>,
    budget: Arc<ByteBudget>,
    encoded: Arc<AtomicU64>,
    /// This video's place among the process's videos encoding at once.
    slot: Arc<Slot>,
    worker: Option<JoinHandle<Result<Summary>>>,
}

impl VideoWriter {
    /// Creates the temporary file next to `path` and starts the encoder thread.
    ///
    /// Waits first while the process's bound on videos encoding at once is reached and some
    /// of those videos are finishing ([`set_max_videos_encoding`](crate::set_max_videos_encoding));
    /// never for videos still taking frames, so a thread that keeps several writers open
    /// cannot wait for itself.
    ///
    /// Fails with [`Error::Io`] if the folder does not exist or is not writable, or if
    /// `path` is a directory, and with [`Error::InvalidOptions`] for a bad `fps` or option
    /// (at once, without waiting).
    pub fn create(path: impl AsRef<Path>, fps: f64, options: EncoderOptions) -> Result<Self> {
        let created = Self::create_waiting(path.as_ref(), fps, options, None)?;
        created.ok_or_else(|| Error::Encoder("waited for a video slot without a timeout".into()))
    }

    /// Like [`create`](Self::create), but waits at most `timeout` for the bound on videos
    /// encoding at once; `Ok(None)`, with nothing created, if it is still reached then.
    /// Lets a caller wait in slices and stay responsive (to Ctrl-C, say).
    ///
    /// ```
    /// use std::time::Duration;
    /// use rlvideo::{EncoderOptions, VideoWriter};
    ///
    /// let path = std::env::temp_dir().join(format!("rlvideo-within-{}.mp4", std::process::id()));
    /// let slice = Duration::from_millis(50);
    /// let writer = loop {
    ///     let options = EncoderOptions::default();
    ///     if let Some(writer) = VideoWriter::create_within(&path, 30.0, options, slice)? {
    ///         break writer;
    ///     }
    ///     // a moment to look at other things between slices: a stop request, a signal
    /// };
    /// assert_eq!(writer.finish()?.frames, 0);
    /// # Ok::<(), rlvideo::Error>(())
    /// ```
    pub fn create_within(
        path: impl AsRef<Path>,
        fps: f64,
        options: EncoderOptions,
        timeout: Duration,
    ) -> Result<Option<Self>> {
        Self::create_waiting(path.as_ref(), fps, options, Some(timeout))
    }

    fn create_waiting(
        path: &Path,
        fps: f64,
        options: EncoderOptions,
        timeout: Option<Duration>,
    ) -> Result<Option<Self>> {
        let path = path.to_path_buf();
        let rate = FrameRate::from_fps(fps)?;
        options.validate()?;
        let scale = options.scale;
        if path.is_dir() {
            // Opening a directory for writing fails with the error the OS gives for it
            // (EISDIR on Unix), which is what `open(path, "w")` reports too; otherwise the
            // video would be encoded in full and fail only at the final rename.
            let refused = OpenOptions::new().write(true).open(&path).err();
            let source = refused.unwrap_or_else(|| std::io::ErrorKind::IsADirectory.into());
            return Err(Error::io("cannot create the video", &path, source));
        }
        let Some(slot) = in_flight::admit(timeout)? else {
            return Ok(None);
        };
        let temp_path = temp_path_for(&path)?;
        // The faststart copy's name, taken now so that every failure path knows what to remove.
        let faststart_path = options
            .faststart
            .then(|| temp_path_for(&path))
            .transpose()?;
        let file = OpenOptions::new()
            .read(true) // the faststart layout copies the samples out of it at the end
            .write(true)
            .create_new(true)
            .open(&temp_path)
            .map_err(|e| Error::io("cannot create the video", &path, e))?;

        let (queue, frames) = crossbeam_channel::unbounded();
        let spare_buffers = Arc::new(BufferPool::default());
        let budget = Arc::new(ByteBudget::new(options.memory_budget));
        let encoded = Arc::new(AtomicU64::new(0));
        let job = Job {
            frames,
            budget: Arc::clone(&budget),
            encoded: Arc::clone(&encoded),
            spare_buffers: Arc::clone(&spare_buffers),
            slot: Arc::clone(&slot),
            file,
            temp_path: temp_path.clone(),
            faststart_path,
            final_path: path.clone(),
            rate,
            options,
        };
        let worker = std::thread::Builder::new()
            .name("rlvideo-encoder".into())
            .spawn(move || worker::run(job))
            .map_err(|e| {
                let _ = std::fs::remove_file(&temp_path);
                Error::Encoder(format!("cannot start the encoder thread: {e}"))
            })?;
        Ok(Some(VideoWriter {
            path,
            frame_size: None,
            scale,
            frames: 0,
            queue: Some(queue),
            spare_buffers,
            budget,
            encoded,
            slot,
            worker: Some(worker),
        }))
    }

    /// Copies `frame` and queues it for encoding. Blocks only while the queue holds
    /// `memory_budget` bytes; never drops a frame.
    ///
    /// Every frame must have the first frame's width and height. An error from the
    /// encoder thread (a full disk, say) is returned here, and the writer is then closed.
    pub fn write(&mut self, frame: FrameRef<'_>) -> Result<()> {
        let size = self.check_frame_size(&frame)?;
        let mut data = self.spare_buffers.take(frame.packed_len());
        frame.pack_into(&mut data);
        let packed = PackedFrame {
            data,
            width: size.0,
            height: size.1,
            format: frame.format(),
        };
        self.enqueue(QueuedFrame::Copied(packed), size)
    }

    /// Queues `frame` for encoding without copying it: the writer keeps it until the
    /// encoder thread has converted it, then drops it. Blocks and fails like
    /// [`write`](Self::write).
    ///
    /// ```no_run
    /// use rlvideo::{EncoderOptions, OwnedFrame, PixelFormat, VideoWriter};
    ///
    /// let mut writer = VideoWriter::create("episode.mp4", 30.0, EncoderOptions::default())?;
    /// for _ in 0..30 {
    ///     let pixels = vec![0u8; 64 * 48 * 3]; // rendered fresh for every frame
    ///     writer.write_shared(OwnedFrame::new(pixels, 64, 48, PixelFormat::Rgb)?)?;
    /// }
    /// writer.finish()?;
    /// # Ok::<(), rlvideo::Error>(())
    /// ```
    pub fn write_shared(&mut self, frame: impl SharedFrame) -> Result<()> {
        let view = frame.view()?;
        let size = self.check_frame_size(&view)?;
        let bytes = frame.held_bytes().unwrap_or(0).max(view.packed_len());
        let queued = QueuedFrame::Shared {
            frame: Box::new(frame),
            bytes,
            size,
        };
        self.enqueue(queued, size)
    }

    /// The frame's `(width, height)`, if it matches the video's (an error otherwise, and
    /// once the writer is closed).
    fn check_frame_size(&self, frame: &FrameRef<'_>) -> Result<(usize, usize)> {
        if self.queue.is_none() {
            return Err(Error::Closed);
        }
        let size = (frame.width(), frame.height());
        match self.frame_size {
            Some(first) if first != size => Err(Error::InvalidFrame(format!(
                "every frame of a video must have the first frame's size {}x{} \
                 (width x height), got {}x{}",
                first.0, first.1, size.0, size.1
            ))),
            Some(_) => Ok(size),
            None => crate::options::scale_for(self.scale, size.0, size.1).map(|_| size),
        }
    }

    fn enqueue(&mut self, frame: QueuedFrame, size: (usize, usize)) -> Result<()> {
        let Some(queue) = self.queue.as_ref() else {
            return Err(Error::Closed);
        };
        if !self.budget.acquire(frame.bytes()) || queue.send(frame).is_err() {
            return Err(self.take_worker_error());
        }
        self.frame_size = Some(size);
        self.frames += 1;
        Ok(())
    }

    /// Waits until every queued frame is encoded, writes the MP4 index, renames the file
    /// to its final name and says what was written. With no frames written, no file is
    /// created and the summary says 0 frames.
    pub fn finish(mut self) -> Result<Summary> {
        self.finish_in_place()
    }

    /// Stops taking frames and lets the encoder thread finish the video in the background;
    /// [`finish`](Self::finish) later collects the summary (at once if
    /// [`is_finished`](Self::is_finished)). `write` after this returns [`Error::Closed`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use rlvideo::{EncoderOptions, FrameRef, PixelFormat, VideoWriter};
    ///
    /// let path = std::env::temp_dir().join(format!("rlvideo-bg-{}.mp4", std::process::id()));
    /// let mut writer = VideoWriter::create(&path, 30.0, EncoderOptions::default())?;
    /// let pixels = vec![90u8; 64 * 48 * 3];
    /// for _ in 0..30 {
    ///     writer.write(FrameRef::packed(&pixels, 64, 48, PixelFormat::Rgb)?)?;
    /// }
    /// writer.end_input(); // the simulation goes on; the video finishes meanwhile
    /// while !writer.wait_finished(Duration::from_millis(50)) {
    ///     println!("{} of {} frames encoded", writer.frames_encoded(), writer.frames_written());
    /// }
    /// assert!(writer.is_finished() && !writer.is_open());
    /// assert_eq!(writer.finish()?.frames, 30);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn end_input(&mut self) {
        self.queue = None;
        self.slot.end_input();
    }

    /// True while `write` accepts frames (neither `end_input` nor a failure happened).
    pub fn is_open(&self) -> bool {
        self.queue.is_some()
    }

    /// True once the encoder thread has stopped, with the video complete or failed, so
    /// `finish` will not wait.
    pub fn is_finished(&self) -> bool {
        // The worker closes the budget as its last act, once the file is final; the
        // thread itself may still be returning. Asking the thread handle instead made
        // `is_finished` false right after `wait_finished` said true (a flaky doctest).
        self.worker.is_none() || self.budget.is_closed()
    }

    /// Waits up to `timeout` until `write` of a `bytes`-byte frame would not block. Lets a
    /// caller wait in slices, e.g. to notice Ctrl-C between them; `write` itself blocks
    /// until there is room.
    pub fn wait_for_room(&self, bytes: usize, timeout: Duration) -> bool {
        self.budget.wait_for_room(bytes, timeout)
    }

    /// After [`end_input`](Self::end_input): waits up to `timeout` for the encoder thread to
    /// finish; true once [`finish`](Self::finish) will return at once.
    pub fn wait_finished(&self, timeout: Duration) -> bool {
        self.worker.is_none() || self.budget.wait_closed(timeout)
    }

    /// The path the finished video will have.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Frames accepted by `write` so far.
    pub fn frames_written(&self) -> u64 {
        self.frames
    }

    /// Frames encoded and written to the file so far (at most [`frames_written`]); the
    /// difference is what the encoder still has to do, e.g. for a progress report.
    ///
    /// [`frames_written`]: Self::frames_written
    pub fn frames_encoded(&self) -> u64 {
        self.encoded.load(Ordering::Relaxed)
    }

    /// `(width, height)` of the frames, known once the first is written (the video's is
    /// that times [`EncoderOptions::scale_for`] them).
    pub fn frame_size(&self) -> Option<(usize, usize)> {
        self.frame_size
    }

    /// Bytes of frames waiting for the encoder right now.
    pub fn queued_bytes(&self) -> usize {
        self.budget.queued()
    }

    fn finish_in_place(&mut self) -> Result<Summary> {
        self.end_input(); // closing the channel tells the worker no more frames come
        self.join_worker()
    }

    /// The worker stopped early; its own error says why.
    fn take_worker_error(&mut self) -> Error {
        self.queue = None;
        match self.join_worker() {
            Err(e) => e,
            Ok(_) => {
                Error::Encoder("the encoder thread stopped before the video was finished".into())
            }
        }
    }

    fn join_worker(&mut self) -> Result<Summary> {
        let worker = self.worker.take().ok_or(Error::Closed)?;
        worker
            .join()
            .unwrap_or_else(|_| Err(Error::ThreadPanicked("the encoder thread panicked".into())))
    }
}

impl Drop for VideoWriter {
    fn drop(&mut self) {
        if self.worker.is_some() {
            let _ = self.finish_in_place();
        }
    }
}

impl std::fmt::Debug for VideoWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoWriter")
            .field("path", &self.path)
            .field("frame_size", &self.frame_size)
            .field("frames", &self.frames)
            .field("open", &self.queue.is_some())
            .finish()
    }
}

/// A hidden name in the same folder (so the final rename is atomic), unique per process
/// and writer so concurrent writers never share a temporary file.
fn temp_path_for(path: &Path) -> Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().ok_or_else(|| {
        Error::InvalidOptions(format!(
            "the video path {} has no file name",
            path.display()
        ))
    })?;
    let unique = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}-{unique}.partial", std::process::id()));
    Ok(path.with_file_name(temp_name))
}
