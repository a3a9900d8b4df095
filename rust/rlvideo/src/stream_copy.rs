//! Copying a frame into a queue buffer without first reading that buffer into the caches.
//!
//! `write` copies each frame into one of the writer's queue buffers, which the encoder thread
//! reads later on another core. An ordinary copy first reads every destination cache line
//! (to own it), and these buffers are cold here: a queue of them does not fit this core's
//! cache, and the encoder's core touched them last. Non-temporal stores write whole lines
//! without reading them. Measured with `benchmarks/test_handoff.py` on this project's 2-core
//! VM (best of 6 batches of 32 writes): 400x600 RGB 87 -> 59 us, 1280x720 253 -> 184 us,
//! 210x160 14 -> 8.5 us per frame.
//!
//! Written by hand: the standard library exposes the store (`_mm_stream_si128`) but no
//! copy built on it, and the one crate offering such a copy (jflib-simd) documents its
//! interface as internal to another project and unstable. x86_64 only (SSE2 is part of
//! that target); elsewhere this is an ordinary copy.

/// Frames smaller than this are copied with ordinary stores: a few hundred cache lines
/// cost well under a microsecond either way, and they may still sit in a cache the encoder
/// thread shares.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))] // used by the x86_64 path only
pub(crate) const STREAMING_MIN_BYTES: usize = 16 * 1024;

/// Appends `src` to `out`; with non-temporal stores when `src` is at least
/// [`STREAMING_MIN_BYTES`] long and the target has them.
pub(crate) fn extend_streaming(out: &mut Vec<u8>, src: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    if src.len() >= STREAMING_MIN_BYTES {
        out.reserve(src.len());
        let start = out.len();
        // SAFETY: `reserve` made room for `src.len()` bytes after `start`; `copy_streaming`
        // writes every one of them before `set_len` makes them part of the vector, and a
        // `Vec`'s buffer never overlaps the slice it is extended from (`out` is borrowed
        // mutably, `src` shared).
        unsafe {
            copy_streaming(out.as_mut_ptr().add(start), src);
            out.set_len(start + src.len());
        }
        return;
    }
    out.extend_from_slice(src);
}

/// Copies `src` to `dst`: the unaligned head and the tail with ordinary stores, every whole
/// 64-byte line in between with four 16-byte non-temporal stores (a full line per step,
/// so the write-combining buffer flushes it in one go), then a store fence.
///
/// # Safety
/// `dst` must be valid for `src.len()` bytes of writes and must not overlap `src`.
#[cfg(target_arch = "x86_64")]
unsafe fn copy_streaming(dst: *mut u8, src: &[u8]) {
    use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_sfence, _mm_stream_si128};
    const LINE: usize = 64;
    let len = src.len();
    let head = dst.align_offset(LINE).min(len);
    let body = (len - head) / LINE * LINE;
    // SAFETY (whole block): every offset below is < `len`, so within both `src` and `dst`;
    // `dst + head` is 64-byte aligned, as `_mm_stream_si128` requires (16 would do);
    // unaligned loads are used for `src`. SSE2 is part of the x86_64 target.
    unsafe {
        std::ptr::copy_nonoverlapping(src.as_ptr(), dst, head);
        let mut at = head;
        while at < head + body {
            let from = src.as_ptr().add(at).cast::<__m128i>();
            let to = dst.add(at).cast::<__m128i>();
            let (a, b) = (_mm_loadu_si128(from), _mm_loadu_si128(from.add(1)));
            let (c, d) = (_mm_loadu_si128(from.add(2)), _mm_loadu_si128(from.add(3)));
            _mm_stream_si128(to, a);
            _mm_stream_si128(to.add(1), b);
            _mm_stream_si128(to.add(2), c);
            _mm_stream_si128(to.add(3), d);
            at += LINE;
        }
        std::ptr::copy_nonoverlapping(src.as_ptr().add(at), dst.add(at), len - at);
        // Non-temporal stores are not ordered by the release that later hands the buffer
        // to the encoder thread; the fence makes them visible before it.
        _mm_sfence();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31) ^ (i >> 8) as u8 ^ seed)
            .collect()
    }

    proptest! {
        /// Every length around the threshold and the line size, every source offset and
        /// every destination alignment (set by what `out` already holds) gives the bytes of
        /// an ordinary append.
        #[test]
        fn appends_exactly_the_source(
            len in prop_oneof![0usize..200, 16_000usize..16_600, 100_000usize..100_200],
            src_offset in 0usize..64,
            prefix in 0usize..130,
            spare_capacity in any::<bool>(),
        ) {
            let source = pattern(len + src_offset, 7);
            let src = &source[src_offset..];
            let mut out = pattern(prefix, 99);
            if spare_capacity {
                out.reserve(len + 1000);
            }
            let mut expected = out.clone();
            expected.extend_from_slice(src);
            extend_streaming(&mut out, src);
            prop_assert_eq!(out.len(), expected.len());
            prop_assert!(out == expected, "bytes differ for len {} prefix {}", len, prefix);
        }
    }

    #[test]
    fn reuses_a_buffer_with_old_contents() {
        let mut out = pattern(300_000, 1);
        out.clear();
        let src = pattern(250_001, 2);
        let before = out.as_ptr();
        extend_streaming(&mut out, &src);
        assert_eq!(out, src);
        assert_eq!(
            out.as_ptr(),
            before,
            "no reallocation when the buffer is big enough"
        );
    }
}
