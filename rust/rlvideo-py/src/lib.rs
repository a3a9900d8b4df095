//! `rlvideo._native`: the Python face of the `rlvideo` crate. Argument conversion (numpy
//! arrays to frame views, keyword options through one signature built from the core's
//! defaults), exception mapping, and what waiting means in Python (the GIL released, Ctrl-C
//! checked between slices, the caller's progress reporter called). Option ranges, the span a
//! strided frame reaches, frame counts and which errors close a writer are the core's; the
//! binding imports no Python module.

mod errors;
mod frame;
mod options;
mod progress;
mod writer;

use pyo3::prelude::*;

/// The instruction set of the assembly rav1e runs on this CPU ("AVX2", "NEON", ...), or
/// "RUST" when none runs.
#[pyfunction]
fn simd_level() -> String {
    rlvideo::simd_level()
}

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // rust-numpy loads numpy's C API on first use: ~0.3 ms, which would otherwise land in
    // the first frame's `write` (the first step of the first recorded episode). `import
    // rlvideo` imports numpy anyway.
    numpy::PyArrayDescr::of::<u8>(m.py());
    m.add_class::<writer::PyVideoWriter>()?;
    m.add_function(wrap_pyfunction!(writer::check_options, m)?)?;
    m.add_function(wrap_pyfunction!(simd_level, m)?)?;
    m.add_function(wrap_pyfunction!(writer::max_videos_encoding, m)?)?;
    m.add_function(wrap_pyfunction!(writer::set_max_videos_encoding, m)?)?;
    m.add_function(wrap_pyfunction!(writer::videos_encoding, m)?)?;
    m.add_function(wrap_pyfunction!(progress::set_default_progress, m)?)?;
    m.add("EncoderError", m.py().get_type::<errors::EncoderError>())?;
    m.add("MAX_WIDTH", rlvideo::MAX_WIDTH)?;
    m.add("MAX_HEIGHT", rlvideo::MAX_HEIGHT)?;
    m.add("MAX_PIXELS", rlvideo::MAX_PIXELS)?;
    m.add("DEFAULT_MEMORY_BUDGET", rlvideo::DEFAULT_MEMORY_BUDGET)?;
    m.add("DEFAULT_FPS", rlvideo::DEFAULT_FPS)?;
    m.add("MAX_IDLE_BUFFER_BYTES", rlvideo::MAX_IDLE_BUFFER_BYTES)?;
    Ok(())
}
