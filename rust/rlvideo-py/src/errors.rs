//! Rust errors -> precise Python exceptions.

use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::{create_exception, PyErr};
use rlvideo::Error;

create_exception!(
    rlvideo._native,
    EncoderError,
    PyRuntimeError,
    "The AV1 encoder or the MP4 muxer failed on a background thread."
);

/// Bad frames and options become `ValueError`; file system errors become the `OSError`
/// subclass matching their errno (`FileNotFoundError`, `PermissionError`, ...) with the path
/// as `filename`; encoder and muxer failures become `EncoderError`.
pub(crate) fn to_py(err: Error) -> PyErr {
    match err {
        Error::InvalidFrame(_) | Error::InvalidOptions(_) | Error::OptionOutOfRange { .. } => {
            PyValueError::new_err(err.to_string())
        }
        Error::Closed => PyValueError::new_err("write to a closed VideoWriter"),
        Error::Io {
            ref path,
            ref source,
            ..
        } => {
            let filename = path.to_string_lossy().into_owned();
            match source.raw_os_error() {
                Some(errno) => PyOSError::new_err((errno, err.to_string(), filename)),
                None => PyOSError::new_err(err.to_string()),
            }
        }
        Error::Encoder(_) | Error::Muxer(_) | Error::ThreadPanicked(_) => {
            EncoderError::new_err(err.to_string())
        }
    }
}
