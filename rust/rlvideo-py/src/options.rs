//! Encoder options as Python passes them: one signature names them all, with the core's
//! defaults; the core checks each one's range.

use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rlvideo::{Chroma, EncoderOptions, IntOption};

use crate::errors::to_py;

/// An integer argument as the caller gave it. Converting straight to `u8`/`usize` would
/// raise `OverflowError` with no option named (`quantizer=300`, `speed=-1`); this keeps
/// what came so that the core's range check can name the option, its range and the value.
#[derive(Clone, Debug)]
pub(crate) enum IntArg {
    Int(i64),
    /// An integer beyond 64 bits.
    Huge,
    /// Not an integer: the name of its type.
    NotInt(String),
}

impl IntArg {
    /// An option's default, from the core's table.
    pub(crate) const fn default_of(option: IntOption) -> Self {
        IntArg::Int(option.default as i64)
    }

    /// The value when `option` takes it; the core's range error naming the option when
    /// not, `TypeError` naming it when not an integer.
    fn checked(self, option: IntOption) -> PyResult<u64> {
        match self {
            IntArg::Int(value) => option.check(value.into()).map_err(to_py),
            IntArg::Huge => Err(to_py(option.out_of_range("an integer beyond 64 bits"))),
            IntArg::NotInt(type_name) => Err(PyTypeError::new_err(format!(
                "{} must be an integer, got {type_name}",
                option.name
            ))),
        }
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for IntArg {
    type Error = PyErr;

    fn extract(value: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(match value.extract::<i64>() {
            Ok(value) => IntArg::Int(value),
            Err(err) if err.is_instance_of::<PyOverflowError>(value.py()) => IntArg::Huge,
            Err(_) => IntArg::NotInt(value.get_type().name()?.to_string()),
        })
    }
}

/// The integer options of `VideoWriter(...)`, as given.
pub(crate) struct IntOptions {
    pub speed: IntArg,
    pub quantizer: IntArg,
    pub threads: IntArg,
    pub tiles: IntArg,
    pub keyframe_interval: IntArg,
    pub memory_budget: IntArg,
    pub nice: IntArg,
    pub scale: IntArg,
}

/// The `chroma` argument as the caller gave it: a string, or the name of another type (so
/// that the error can say what was expected instead of PyO3's conversion message).
#[derive(Clone, Debug)]
pub(crate) enum ChromaArg {
    Str(String),
    NotStr(String),
}

impl Default for ChromaArg {
    fn default() -> Self {
        ChromaArg::Str(Chroma::default().name().to_string())
    }
}

impl ChromaArg {
    fn parse(self) -> PyResult<Chroma> {
        match self {
            ChromaArg::Str(name) => name.parse().map_err(to_py),
            ChromaArg::NotStr(type_name) => Err(PyTypeError::new_err(format!(
                "chroma must be '420' or '444' (a str), got {type_name}"
            ))),
        }
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for ChromaArg {
    type Error = PyErr;

    fn extract(value: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(match value.extract::<String>() {
            Ok(name) => ChromaArg::Str(name),
            Err(_) => ChromaArg::NotStr(value.get_type().name()?.to_string()),
        })
    }
}

/// The switches and choices of `VideoWriter(...)`.
pub(crate) struct Switches {
    pub low_latency: bool,
    pub rl_tuning: bool,
    pub static_skip: bool,
    pub chroma: ChromaArg,
    pub faststart: bool,
}

/// `EncoderOptions` from Python's arguments. The ranges are the core's: each option's
/// conversion is range-checked there, so a value that would not fit the field's type is named
/// like any other out-of-range value.
pub(crate) fn encoder_options(ints: IntOptions, switches: Switches) -> PyResult<EncoderOptions> {
    // `checked` returned a value within the option's range, which fits the field's type.
    let options = EncoderOptions {
        speed: ints.speed.checked(rlvideo::SPEED)? as u8,
        quantizer: ints.quantizer.checked(rlvideo::QUANTIZER)? as u8,
        threads: ints.threads.checked(rlvideo::THREADS)? as usize,
        tiles: ints.tiles.checked(rlvideo::TILES)? as usize,
        keyframe_interval: ints.keyframe_interval.checked(rlvideo::KEYFRAME_INTERVAL)?,
        memory_budget: ints.memory_budget.checked(rlvideo::MEMORY_BUDGET)? as usize,
        nice: ints.nice.checked(rlvideo::NICE)? as u8,
        scale: ints.scale.checked(rlvideo::SCALE)? as u8,
        low_latency: switches.low_latency,
        rl_tuning: switches.rl_tuning,
        static_skip: switches.static_skip,
        chroma: switches.chroma.parse()?,
        faststart: switches.faststart,
    };
    options.validate().map_err(to_py)?;
    Ok(options)
}

/// The options' Python signature, the only one: `VideoWriter(path, fps, **options)` and
/// `check_options(fps, **options)` both hand their `**options` to it. Named `VideoWriter`
/// so that an unknown keyword is reported as `VideoWriter() got an unexpected keyword
/// argument ...`. Not in the module: Python reaches it only through those two.
#[pyfunction]
#[pyo3(name = "VideoWriter", signature = (
    *, speed = IntArg::default_of(rlvideo::SPEED),
    quantizer = IntArg::default_of(rlvideo::QUANTIZER),
    threads = IntArg::default_of(rlvideo::THREADS), tiles = IntArg::default_of(rlvideo::TILES),
    keyframe_interval = IntArg::default_of(rlvideo::KEYFRAME_INTERVAL),
    memory_budget = IntArg::default_of(rlvideo::MEMORY_BUDGET),
    low_latency = rlvideo::DEFAULT_LOW_LATENCY, rl_tuning = rlvideo::DEFAULT_RL_TUNING,
    static_skip = rlvideo::DEFAULT_STATIC_SKIP, chroma = ChromaArg::default(),
    faststart = rlvideo::DEFAULT_FASTSTART, nice = IntArg::default_of(rlvideo::NICE),
    scale = IntArg::default_of(rlvideo::SCALE)
))]
#[allow(clippy::too_many_arguments)]
fn options_signature(
    speed: IntArg,
    quantizer: IntArg,
    threads: IntArg,
    tiles: IntArg,
    keyframe_interval: IntArg,
    memory_budget: IntArg,
    low_latency: bool,
    rl_tuning: bool,
    static_skip: bool,
    chroma: ChromaArg,
    faststart: bool,
    nice: IntArg,
    scale: IntArg,
) -> PyResult<ParsedOptions> {
    let ints = IntOptions {
        speed,
        quantizer,
        threads,
        tiles,
        keyframe_interval,
        memory_budget,
        nice,
        scale,
    };
    let switches = Switches {
        low_latency,
        rl_tuning,
        static_skip,
        chroma,
        faststart,
    };
    encoder_options(ints, switches).map(ParsedOptions)
}

/// What [`options_signature`] returns to Rust through Python.
#[pyclass(frozen)]
pub(crate) struct ParsedOptions(EncoderOptions);

/// `fps` and `**options` as the core's `EncoderOptions`: `TypeError` for an unknown or
/// mistyped option, `ValueError` naming an option or `fps` out of range.
pub(crate) fn parse(
    py: Python<'_>,
    fps: f64,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<EncoderOptions> {
    let parsed = wrap_pyfunction!(options_signature, py)?.call((), options)?;
    let options = parsed.cast::<ParsedOptions>()?.get().0.clone();
    rlvideo::FrameRate::from_fps(fps).map_err(to_py)?;
    Ok(options)
}
