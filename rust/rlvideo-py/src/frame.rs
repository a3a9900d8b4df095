//! numpy array -> `FrameRef` without copying: the view borrows the array's memory.

use numpy::{PyArrayDyn, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use rlvideo::{FrameRef, PixelFormat};

/// Raw description of a numpy frame: everything needed to build a `FrameRef` later,
/// on a thread that does not hold the GIL.
#[derive(Clone, Copy)]
pub(crate) struct FrameLayout {
    base: *const u8,
    len: usize,
    origin: usize,
    width: usize,
    height: usize,
    format: PixelFormat,
    strides: [isize; 3],
}

// SAFETY: the pointer refers to the memory of a numpy array; whoever uses the layout on
// another thread keeps the array alive and its pixels unwritten meanwhile (see `view`).
unsafe impl Send for FrameLayout {}

impl FrameLayout {
    /// Bytes the frame takes once packed into the writer's queue.
    pub(crate) fn packed_len(&self) -> usize {
        self.width * self.height * self.format.channels()
    }

    /// A view of the bytes the layout describes.
    ///
    /// # Safety
    /// For `'a`, the array the layout was taken from must stay alive, keep its buffer (no
    /// `resize(refcheck=False)`, no reassigned `.data`, no exporter reallocating under it)
    /// and not have these bytes written.
    pub(crate) unsafe fn view<'a>(&self) -> rlvideo::Result<FrameRef<'a>> {
        // SAFETY: `base..base+len` is exactly the span of the array's elements (see
        // `layout_of`), which the caller keeps alive.
        let data = unsafe { std::slice::from_raw_parts(self.base, self.len) };
        FrameRef::strided(
            data,
            self.origin,
            self.width,
            self.height,
            self.format,
            self.strides,
        )
    }
}

/// A numpy frame the writer keeps instead of copying (`write(frame, copy=False)`).
///
/// Dropping one off the GIL relies on PyO3's deferred reference pool.
#[cfg(pyo3_disable_reference_pool)]
compile_error!("NumpyFrame is dropped on the encoder thread: PyO3's reference pool is needed");
pub(crate) struct NumpyFrame {
    /// Keeps the array, and so its memory, alive. Dropped on the encoder thread, without
    /// the GIL: PyO3 then defers the decref until the GIL is next taken.
    _array: Py<PyArrayDyn<u8>>,
    layout: FrameLayout,
}

impl NumpyFrame {
    pub(crate) fn new(array: Py<PyArrayDyn<u8>>, layout: FrameLayout) -> Self {
        NumpyFrame {
            _array: array,
            layout,
        }
    }
}

impl rlvideo::SharedFrame for NumpyFrame {
    fn view(&self) -> rlvideo::Result<FrameRef<'_>> {
        // SAFETY: `layout` describes `_array`'s memory and `_array` is a strong reference, so
        // the buffer stays allocated: numpy refuses `resize()` while other references exist,
        // and bytes/bytearray/memoryview/mmap exporters refuse to resize or close while
        // exported. What remains (`resize(refcheck=False)`, assigning `.data`, an exporter
        // that reallocates under its views) leaves every numpy view of the array dangling
        // too; `write(copy=False)` documents that the array must not be changed.
        unsafe { self.layout.view() }
    }

    fn held_bytes(&self) -> Option<usize> {
        // The span of memory the view reaches: a sparse view (`frame[::2, ::2]`) keeps far
        // more alive than its packed size.
        Some(self.layout.len)
    }
}

const EXPECTED: &str = "a numpy.ndarray of dtype uint8 with shape (height, width, 3) for RGB, \
                        (height, width, 4) for RGBA or (height, width) for gray";

/// The frame as a uint8 array, or a `TypeError` saying what was expected and what came.
pub(crate) fn as_uint8_array<'py>(
    frame: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArrayDyn<u8>>> {
    let Ok(untyped) = frame.cast::<PyUntypedArray>() else {
        return Err(PyTypeError::new_err(format!(
            "frame must be {EXPECTED}; got {}",
            frame.get_type().name()?
        )));
    };
    match untyped.cast::<PyArrayDyn<u8>>() {
        Ok(array) => Ok(array.clone()),
        Err(_) => Err(PyTypeError::new_err(format!(
            "frame must be {EXPECTED}; got an array of dtype {}",
            untyped.dtype()
        ))),
    }
}

/// Checks the shape and describes the array's memory.
pub(crate) fn layout_of(array: &Bound<'_, PyArrayDyn<u8>>) -> PyResult<FrameLayout> {
    let shape = array.shape();
    let (height, width, channels) = match *shape {
        [h, w] => (h, w, 1),
        [h, w, c] => (h, w, c),
        _ => {
            return Err(PyValueError::new_err(format!(
                "frame must be {EXPECTED}; got an array of shape {shape:?}"
            )));
        }
    };
    let format = PixelFormat::from_channels(channels).ok_or_else(|| {
        PyValueError::new_err(format!(
            "frame must be {EXPECTED}; got {channels} channels (shape {shape:?})"
        ))
    })?;
    let s = array.strides();
    let strides = [s[0], s[1], if s.len() == 3 { s[2] } else { 1 }];
    // numpy's data pointer is element [0, 0, 0]; with negative strides the lowest address
    // of the array lies before it. The slice must start at the lowest address.
    let extent =
        rlvideo::StridedExtent::of(width, height, format, strides).map_err(crate::errors::to_py)?;
    let first = array.data() as *const u8;
    Ok(FrameLayout {
        base: first.wrapping_sub(extent.before),
        len: extent.bytes(),
        origin: extent.before,
        width,
        height,
        format,
        strides,
    })
}
