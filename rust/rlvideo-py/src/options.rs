//! Integer encoder options as Python passes them, checked against each option's range.

use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use rlvideo::{Chroma, EncoderOptions};

use crate::errors::to_py;

/// An integer argument as the caller gave it. Converting straight to `u8`/`usize` would
/// raise `OverflowError` with no option named (`quantizer=300`, `speed=-1`); this keeps
/// what came so that [`IntArg::within`] can name the option, its range and the value.
#[derive(Clone, Debug)]
pub(crate) enum IntArg {
    Int(i64),
    /// An integer beyond 64 bits.
    Huge,
    /// Not an integer: the name of its type.
    NotInt(String),
}

impl IntArg {
    /// A default value.
    pub(crate) const fn of(value: i64) -> Self {
        IntArg::Int(value)
    }

    /// The value; `ValueError` naming `name` and `min..=max` when outside it, `TypeError`
    /// naming `name` when not an integer.
    fn within(self, name: &str, min: i64, max: i64) -> PyResult<i64> {
        let got = match self {
            IntArg::Int(value) if (min..=max).contains(&value) => return Ok(value),
            IntArg::Int(value) => value.to_string(),
            IntArg::Huge => "an integer beyond 64 bits".to_string(),
            IntArg::NotInt(type_name) => {
                return Err(PyTypeError::new_err(format!(
                    "{name} must be an integer, got {type_name}"
                )))
            }
        };
        Err(PyValueError::new_err(format!(
            "{name} must be between {min} and {max}, got {got}"
        )))
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
}

/// `EncoderOptions` from Python's arguments: `ValueError` naming the option and its range for
/// any value out of range (what `EncoderOptions::validate` checks included).
pub(crate) fn encoder_options(ints: IntOptions, switches: Switches) -> PyResult<EncoderOptions> {
    let usize_max = i64::try_from(usize::MAX).unwrap_or(i64::MAX);
    let options = EncoderOptions {
        speed: ints.speed.within("speed", 0, 10)? as u8,
        quantizer: ints.quantizer.within("quantizer", 0, 255)? as u8,
        threads: ints
            .threads
            .within("threads", 0, rlvideo::MAX_THREADS as i64)? as usize,
        tiles: ints.tiles.within("tiles", 0, rlvideo::MAX_TILES as i64)? as usize,
        keyframe_interval: ints.keyframe_interval.within(
            "keyframe_interval",
            1,
            rlvideo::MAX_KEYFRAME_INTERVAL as i64,
        )? as u64,
        memory_budget: ints.memory_budget.within("memory_budget", 1, usize_max)? as usize,
        low_latency: switches.low_latency,
        rl_tuning: switches.rl_tuning,
        static_skip: switches.static_skip,
        chroma: switches.chroma.parse()?,
    };
    options.validate().map_err(to_py)?;
    Ok(options)
}
