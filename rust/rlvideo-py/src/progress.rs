//! The reporter of long waits (`progress=True`), passed in by the Python package: the binding
//! imports no Python module, it calls what `rlvideo/__init__.py` registered.

use std::sync::Mutex;

use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyBool;

/// The factory `progress=True` means (`rlvideo._progress.WaitProgress`, registered at import).
static DEFAULT_FACTORY: Mutex<Option<Py<PyAny>>> = Mutex::new(None);

/// Makes `factory` what `progress=True` uses: a callable `factory(what, already=seconds)`
/// returning a reporter with `update(videos, frames_left)` and `finish(completed=...)`.
/// Called once by `rlvideo/__init__.py`.
#[pyfunction]
pub(crate) fn set_default_progress(factory: Bound<'_, PyAny>) -> PyResult<()> {
    if !factory.is_callable() {
        return Err(PyTypeError::new_err(format!(
            "the progress factory must be callable, got {}",
            factory.get_type().name()?
        )));
    }
    *DEFAULT_FACTORY.lock().unwrap_or_else(|e| e.into_inner()) = Some(factory.unbind());
    Ok(())
}

/// The factory a `progress` argument asks for: `None`/`False` none, `True` the registered
/// one, a callable itself; `TypeError` for anything else.
pub(crate) fn factory<'py>(
    py: Python<'py>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let Some(progress) = progress else {
        return Ok(None);
    };
    if let Ok(flag) = progress.cast::<PyBool>() {
        if !flag.is_true() {
            return Ok(None);
        }
        let registered = DEFAULT_FACTORY.lock().unwrap_or_else(|e| e.into_inner());
        return match registered.as_ref() {
            Some(factory) => Ok(Some(factory.bind(py).clone())),
            None => Err(PyRuntimeError::new_err(
                "progress=True: no reporter registered (import rlvideo, not rlvideo._native alone)",
            )),
        };
    }
    if progress.is_none() {
        return Ok(None);
    }
    if !progress.is_callable() {
        return Err(PyTypeError::new_err(format!(
            "progress must be a bool or a callable making a reporter, got {}",
            progress.get_type().name()?
        )));
    }
    Ok(Some(progress))
}
