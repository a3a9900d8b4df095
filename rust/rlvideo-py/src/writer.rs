//! `rlvideo._native.VideoWriter`.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use numpy::PyArrayMethods;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyType};
use rlvideo::{Summary, VideoWriter};

use crate::errors::to_py;
use crate::frame::{as_uint8_array, layout_of, NumpyFrame};

/// How often a blocked `write`/`close` looks for pending signals (Ctrl-C).
const SIGNAL_CHECK_INTERVAL: Duration = Duration::from_millis(50);

/// State behind the Python object: the open writer, or what it had done once let go.
struct State {
    writer: Option<VideoWriter>,
    ended: Ended,
}

/// What a writer had done when it was let go (closed, or failed for good): the core's counts
/// at that moment, and its summary after a successful close. While the writer is open the
/// getters ask the core itself.
#[derive(Default)]
struct Ended {
    frames: u64,
    frame_size: Option<(usize, usize)>,
    summary: Option<Summary>,
}

impl State {
    fn frames(&self) -> u64 {
        self.writer
            .as_ref()
            .map_or(self.ended.frames, VideoWriter::frames_written)
    }

    fn frame_size(&self) -> Option<(usize, usize)> {
        self.writer
            .as_ref()
            .map_or(self.ended.frame_size, VideoWriter::frame_size)
    }

    /// Takes the writer out (to finish it, or because it failed), keeping its counts.
    fn let_go(&mut self) -> Option<VideoWriter> {
        let writer = self.writer.take()?;
        self.ended.frames = writer.frames_written();
        self.ended.frame_size = writer.frame_size();
        Some(writer)
    }
}

/// Records numpy frames to an AV1 MP4 file on a background thread.
#[pyclass(name = "VideoWriter", module = "rlvideo._native")]
pub(crate) struct PyVideoWriter {
    path: PathBuf,
    fps: f64,
    state: Mutex<State>,
}

#[pymethods]
impl PyVideoWriter {
    #[new]
    #[pyo3(signature = (path, fps = rlvideo::DEFAULT_FPS, **options))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        fps: f64,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let options = crate::options::parse(py, fps, options)?;
        // Waits in slices while the process's bound on videos encoding at once is reached,
        // so Ctrl-C is honoured (nothing is created then).
        let writer = loop {
            let options = options.clone();
            let created = py
                .detach(|| VideoWriter::create_within(&path, fps, options, SIGNAL_CHECK_INTERVAL))
                .map_err(to_py)?;
            match created {
                Some(writer) => break writer,
                None => py.check_signals()?,
            }
        };
        Ok(PyVideoWriter {
            path,
            fps,
            state: Mutex::new(State {
                writer: Some(writer),
                ended: Ended::default(),
            }),
        })
    }

    /// Queue one frame; returns once the frame is copied (or blocks while the queue is full).
    /// With `copy=False` the writer keeps a reference to the array instead of copying it,
    /// until the encoder has read it: the caller must not change it in place until then.
    /// With `progress=True`, a write that waits more than about a second for room says so
    /// on stderr (see `close`).
    #[pyo3(signature = (frame, *, copy = true, progress = None))]
    fn write(
        &self,
        py: Python<'_>,
        frame: &Bound<'_, PyAny>,
        copy: bool,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let array = as_uint8_array(frame)?;
        let layout = layout_of(&array)?;
        if copy {
            // Hold a read-only borrow so no Rust code mutates the array while we read it.
            let _borrow = array.try_readonly()?;
            // SAFETY: `array` (and `_borrow`) outlive this call; the copy into the writer's
            // queue happens before `write` returns.
            self.push(py, layout.packed_len(), progress, move |writer| {
                unsafe { layout.view() }.and_then(|view| writer.write(view))
            })
        } else {
            let mut kept = Some(NumpyFrame::new(array.unbind(), layout));
            self.push(
                py,
                layout.packed_len(),
                progress,
                move |writer| match kept.take() {
                    Some(frame) => writer.write_shared(frame),
                    None => Err(rlvideo::Error::Closed), // `push` calls this once
                },
            )
        }
    }

    /// Stop taking frames. With `wait=True` (the default) wait until the video is complete
    /// on disk; with `wait=False` return at once and let it finish in the background (see
    /// `done`; a later `close()` waits and reports errors). Safe to call more than once.
    /// With `progress=True`, a wait longer than about a second reports the frames left and
    /// the encoding rate on stderr (a tqdm bar when tqdm is installed), and its end.
    #[pyo3(signature = (wait = true, *, progress = None))]
    fn close(
        &self,
        py: Python<'_>,
        wait: bool,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let state = &self.state;
        if let Some(writer) = lock(state).writer.as_mut() {
            writer.end_input(); // never blocks: it only closes the queue
        }
        if !wait {
            return Ok(());
        }
        // Wait in slices so Ctrl-C is honoured; the video goes on encoding if interrupted,
        // and a later close() waits for it again.
        let mut report = WaitReport::new(py, progress, "waiting for the video to finish encoding")?;
        while !py.detach(|| {
            lock(state)
                .writer
                .as_ref()
                .is_none_or(|w| w.wait_finished(SIGNAL_CHECK_INTERVAL))
        }) {
            if let Err(interrupted) = py.check_signals() {
                report.finish(py, false)?;
                return Err(interrupted);
            }
            report.update(py, self.frames_left())?;
        }
        report.finish(py, true)?;
        py.detach(|| {
            let mut state = lock(state);
            let Some(writer) = state.let_go() else {
                return Ok(());
            };
            state.ended.summary = Some(writer.finish()?);
            Ok(())
        })
        .map_err(to_py)
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (_exc_type=None, _exc_value=None, _traceback=None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        _exc_type: Option<&Bound<'_, PyType>>,
        _exc_value: Option<&Bound<'_, PyAny>>,
        _traceback: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        self.close(py, true, None)?;
        Ok(false)
    }

    /// Where the video is written (it appears there once closed).
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// Frames per second.
    #[getter]
    fn fps(&self) -> f64 {
        self.fps
    }

    /// Frames accepted so far.
    #[getter]
    fn frames(&self) -> u64 {
        lock(&self.state).frames()
    }

    /// Frames encoded and in the file so far; `frames - frames_encoded` are still queued
    /// or being encoded.
    #[getter]
    fn frames_encoded(&self) -> u64 {
        let state = lock(&self.state);
        state.writer.as_ref().map_or_else(
            || state.ended.summary.as_ref().map_or(0, |s| s.frames),
            |w| w.frames_encoded(),
        )
    }

    /// `(width, height)` once the first frame is written, else `None`.
    #[getter]
    fn frame_size(&self) -> Option<(usize, usize)> {
        lock(&self.state).frame_size()
    }

    /// True once `close()` has run (or a background failure closed the writer): no more
    /// frames are taken.
    #[getter]
    fn closed(&self) -> bool {
        lock(&self.state)
            .writer
            .as_ref()
            .is_none_or(|w| !w.is_open())
    }

    /// True once the video is complete on disk (or failed), so `close()` returns at once.
    #[getter]
    fn done(&self) -> bool {
        lock(&self.state)
            .writer
            .as_ref()
            .is_none_or(|w| w.is_finished())
    }

    /// Bytes of the finished file; `None` until closed. 0 if no frame was written.
    #[getter]
    fn bytes(&self) -> Option<u64> {
        lock(&self.state).ended.summary.as_ref().map(|s| s.bytes)
    }

    /// Bytes of frames queued (copied or kept) but not yet taken by the encoder (at most
    /// `memory_budget`, or one frame more); 0 once closed. Tells how far the encoder is behind.
    #[getter]
    fn queued_bytes(&self) -> usize {
        lock(&self.state)
            .writer
            .as_ref()
            .map_or(0, |w| w.queued_bytes())
    }

    /// Playing time in seconds: frames / fps.
    #[getter]
    fn duration(&self) -> f64 {
        lock(&self.state).frames() as f64 / self.fps
    }

    fn __repr__(&self) -> String {
        let state = lock(&self.state);
        format!(
            "VideoWriter(path={:?}, fps={}, frames={}, closed={})",
            self.path.display().to_string(),
            self.fps,
            state.frames(),
            state.writer.as_ref().is_none_or(|w| !w.is_open())
        )
    }
}

impl PyVideoWriter {
    /// Waits for room for a `bytes`-byte frame, then hands it over with `hand_over`, all
    /// in one GIL release. Waits in slices so Ctrl-C is honoured while the encoder is behind.
    fn push(
        &self,
        py: Python<'_>,
        bytes: usize,
        progress: Option<Bound<'_, PyAny>>,
        mut hand_over: impl FnMut(&mut VideoWriter) -> rlvideo::Result<()> + Send,
    ) -> PyResult<()> {
        let state = &self.state;
        let mut report = WaitReport::new(
            py,
            progress,
            "waiting for room in the encoder's queue (memory_budget is full)",
        )?;
        loop {
            let outcome = py.detach(|| {
                let mut guard = lock(state);
                let state = &mut *guard;
                let Some(writer) = state.writer.as_mut() else {
                    return Some(Err(rlvideo::Error::Closed));
                };
                if !writer.wait_for_room(bytes, SIGNAL_CHECK_INTERVAL) {
                    return None;
                }
                let result = hand_over(writer);
                if result.as_ref().is_err_and(rlvideo::Error::closes_writer) {
                    // The background thread has stopped; the writer is closed for good.
                    state.let_go();
                }
                Some(result)
            });
            match outcome {
                Some(result) => {
                    report.finish(py, result.is_ok())?;
                    return result.map_err(to_py);
                }
                None => {
                    if let Err(interrupted) = py.check_signals() {
                        report.finish(py, false)?;
                        return Err(interrupted);
                    }
                    report.update(py, self.frames_left())?;
                }
            }
        }
    }

    /// Frames accepted but not yet in the file.
    fn frames_left(&self) -> u64 {
        let state = lock(&self.state);
        state
            .writer
            .as_ref()
            .map_or(0, |w| w.frames_written() - w.frames_encoded())
    }
}

/// A wait that, when asked to, reports itself through a reporter the Python side made: the
/// `progress` argument is a factory, `factory(what, already=seconds) -> reporter` with
/// `update(videos, frames_left)` and `finish(completed=...)`, or True for the package's own
/// (registered by `rlvideo/__init__.py`, see [`crate::progress`]). The reporter is made at
/// the first slice that found nothing to do, so short waits cost nothing.
struct WaitReport<'py> {
    what: &'static str,
    /// When the wait began; `None` when no report was asked for (no clock read per write).
    started: Option<Instant>,
    factory: Option<Bound<'py, PyAny>>,
    reporter: Option<Bound<'py, PyAny>>,
}

impl<'py> WaitReport<'py> {
    fn new(
        py: Python<'py>,
        progress: Option<Bound<'py, PyAny>>,
        what: &'static str,
    ) -> PyResult<Self> {
        let factory = crate::progress::factory(py, progress)?;
        Ok(WaitReport {
            what,
            started: factory.is_some().then(Instant::now),
            factory,
            reporter: None,
        })
    }

    fn update(&mut self, py: Python<'py>, frames_left: u64) -> PyResult<()> {
        let (Some(started), Some(factory)) = (self.started, &self.factory) else {
            return Ok(());
        };
        let reporter = match &self.reporter {
            Some(reporter) => reporter,
            None => {
                let kwargs = PyDict::new(py);
                kwargs.set_item("already", started.elapsed().as_secs_f64())?;
                self.reporter
                    .insert(factory.call((self.what,), Some(&kwargs))?)
            }
        };
        reporter.call_method1("update", (1, frames_left))?;
        Ok(())
    }

    fn finish(&mut self, py: Python<'py>, completed: bool) -> PyResult<()> {
        if let Some(reporter) = self.reporter.take() {
            let kwargs = PyDict::new(py);
            kwargs.set_item("completed", completed)?;
            reporter.call_method("finish", (), Some(&kwargs))?;
        }
        Ok(())
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Raise `ValueError` if `VideoWriter(path, fps, **options)` would reject `fps` or an option;
/// lets the wrappers fail at construction rather than at the first recorded frame.
#[pyfunction]
#[pyo3(signature = (fps = rlvideo::DEFAULT_FPS, **options))]
pub(crate) fn check_options(
    py: Python<'_>,
    fps: f64,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<()> {
    crate::options::parse(py, fps, options)?;
    Ok(())
}

/// How many videos may encode at once in this process before a new `VideoWriter` waits.
#[pyfunction]
pub(crate) fn max_videos_encoding() -> PyResult<usize> {
    rlvideo::max_videos_encoding().map_err(to_py)
}

/// Set how many videos may encode at once in this process: an int, at least 1.
#[pyfunction]
pub(crate) fn set_max_videos_encoding(limit: &Bound<'_, PyAny>) -> PyResult<()> {
    // `True` is an int to Python, but never meant as a count.
    if limit.is_instance_of::<PyBool>() || !limit.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "max_videos_encoding must be an int, got {}",
            limit.get_type().name()?
        )));
    }
    let limit = match limit.extract::<usize>() {
        Ok(limit) => limit,
        Err(_) => {
            return Err(PyValueError::new_err(format!(
                "max_videos_encoding must be an int from 1 to 2**64 - 1, got {limit}"
            )))
        }
    };
    rlvideo::set_max_videos_encoding(limit).map_err(to_py)
}

/// Videos of this process encoding right now (open ones, and closed ones still finishing).
#[pyfunction]
pub(crate) fn videos_encoding() -> usize {
    rlvideo::videos_encoding()
}
