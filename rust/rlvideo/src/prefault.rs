//! New frame buffers with their memory mapped up front, in one system call.
//!
//! The first frames of a process need new buffers, and touching a new buffer page by page
//! costs one page fault per 4 KiB. On this project's VM a fault costs ~1.7 us (a 1280x720
//! RGB frame, 675 pages: ~2.4 ms to copy into fresh memory against ~0.15 ms into mapped
//! memory). `MADV_POPULATE_WRITE` (Linux 5.14) maps the whole range at once, without a
//! trap per page: 2.4 -> 1.5-1.9 ms at 1280x720, 90-190 -> 18-64 us at 210x160 (throwaway
//! measurement, 16 buffers each). Elsewhere, or on an older kernel, the pages are mapped by
//! the copy as before.

/// An empty vector with room for `len` bytes whose pages are already mapped.
pub(crate) fn mapped_buffer(len: usize) -> Vec<u8> {
    let mut buffer = Vec::with_capacity(len);
    populate(buffer.spare_capacity_mut().as_mut_ptr().cast(), len);
    buffer
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn populate(start: *mut u8, len: usize) {
    // madvise wants a page-aligned start (16 or 64 KiB pages on some ARM systems), and only
    // pages wholly inside the buffer are touched.
    // SAFETY: sysconf only reads a value.
    let page = match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        size if size > 0 => size as usize,
        _ => return,
    };
    let first = (start as usize).next_multiple_of(page);
    let end = (start as usize + len) / page * page;
    if end > first {
        // SAFETY: the range lies inside an allocation this function's caller owns;
        // MADV_POPULATE_WRITE maps its pages without changing their contents. An error
        // (EINVAL before Linux 5.14, ENOMEM under memory pressure) leaves the pages to be
        // mapped on first write, as without this call.
        unsafe {
            libc::madvise(
                first as *mut libc::c_void,
                end - first,
                libc::MADV_POPULATE_WRITE,
            );
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn populate(_start: *mut u8, _len: usize) {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn thread_minor_faults() -> i64 {
        // SAFETY: getrusage writes into the struct it is given.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        assert_eq!(
            unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) },
            0
        );
        usage.ru_minflt
    }

    /// Faults while copying 8 MiB (2048 pages) into a new buffer: about one per page
    /// without populating, next to none with it.
    fn faults_copying_into(buffer: &mut Vec<u8>, src: &[u8]) -> i64 {
        let before = thread_minor_faults();
        buffer.extend_from_slice(src);
        thread_minor_faults() - before
    }

    #[test]
    fn a_mapped_buffer_takes_no_page_faults_when_filled() {
        let src = vec![7u8; 8 << 20];
        let mut plain = Vec::with_capacity(src.len());
        let mut mapped = mapped_buffer(src.len());
        let (plain_faults, mapped_faults) = (
            faults_copying_into(&mut plain, &src),
            faults_copying_into(&mut mapped, &src),
        );
        assert!(plain_faults > 500, "the control faults ({plain_faults})");
        assert!(
            mapped_faults < 20,
            "{mapped_faults} faults (control: {plain_faults})"
        );
        assert_eq!(mapped, src);
    }
}
