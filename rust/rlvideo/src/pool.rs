//! Frame buffers passed back from the encoder thread for reuse, by the same writer and, once
//! it has ended, by the writers that follow it in the process.

use std::sync::{Mutex, MutexGuard};

use crate::prefault::mapped_buffer;

/// Most bytes of frame buffers the process keeps, after their writers have ended, for
/// writers yet to come (64 MiB: 23 frames of 1280x720 RGB, 93 of 600x400). They are not
/// queued frames, so [`EncoderOptions::memory_budget`](crate::EncoderOptions) does not count
/// them; this is their own bound.
pub const MAX_IDLE_BUFFER_BYTES: usize = 64 << 20;

/// The spare buffers of one writer. Every buffer the encoder is done with comes back and is
/// kept until the video ends, so `write` copies into memory that is already mapped: a fresh
/// 600x400 buffer costs ~176 page faults (~600 us on our VM) against a ~40 us copy. The pool
/// never holds more buffers than were queued at once, which the memory budget caps. When
/// the writer ends, its buffers move to the process-wide idle store (bounded by
/// [`MAX_IDLE_BUFFER_BYTES`]), where the next writer of that frame size finds them: each
/// recorded episode is a new writer, and without this every video paid the faults again.
///
/// Last in, first out: the most recently returned buffer is the likeliest to still be in a
/// CPU cache.
#[derive(Debug, Default)]
pub(crate) struct BufferPool {
    spare: Mutex<Vec<Vec<u8>>>,
}

impl BufferPool {
    /// A buffer for a frame of `len` bytes (with old contents, to be overwritten): this
    /// writer's spare one, else an idle one of about that size, else a new empty one with
    /// room for `len` bytes, its pages already mapped.
    pub fn take(&self, len: usize) -> Vec<u8> {
        let own = lock(&self.spare).pop();
        own.or_else(|| IDLE.take(len))
            .unwrap_or_else(|| mapped_buffer(len))
    }

    /// Keeps `buffer` for a later `take`.
    pub fn give(&self, buffer: Vec<u8>) {
        lock(&self.spare).push(buffer);
    }
}

impl Drop for BufferPool {
    fn drop(&mut self) {
        let spare = std::mem::take(self.spare.get_mut().unwrap_or_else(|e| e.into_inner()));
        IDLE.keep(spare);
    }
}

/// The process-wide store of buffers whose writers have ended.
static IDLE: IdleBuffers = IdleBuffers::new(MAX_IDLE_BUFFER_BYTES);

#[derive(Debug)]
struct IdleBuffers {
    limit: usize,
    inner: Mutex<Idle>,
}

#[derive(Debug)]
struct Idle {
    /// Oldest first.
    buffers: Vec<Vec<u8>>,
    bytes: usize,
}

impl IdleBuffers {
    const fn new(limit: usize) -> Self {
        Self {
            limit,
            inner: Mutex::new(Idle {
                buffers: Vec::new(),
                bytes: 0,
            }),
        }
    }

    /// The newest idle buffer that holds `len` bytes without wasting more than half of
    /// itself (so a 84x84 video never pins a 1080p buffer).
    fn take(&self, len: usize) -> Option<Vec<u8>> {
        let mut idle = lock(&self.inner);
        let fits = |b: &Vec<u8>| b.capacity() >= len && b.capacity() / 2 <= len;
        let at = idle.buffers.iter().rposition(fits)?;
        let buffer = idle.buffers.remove(at);
        idle.bytes -= buffer.capacity();
        Some(buffer)
    }

    /// Keeps `buffers` (the newest last), then lets the oldest go until within the limit.
    fn keep(&self, buffers: Vec<Vec<u8>>) {
        if buffers.is_empty() {
            return;
        }
        let mut idle = lock(&self.inner);
        for buffer in buffers {
            idle.bytes += buffer.capacity();
            idle.buffers.push(buffer);
        }
        let mut evict = 0;
        let mut bytes = idle.bytes;
        while bytes > self.limit {
            bytes -= idle.buffers[evict].capacity();
            evict += 1;
        }
        idle.buffers.drain(..evict);
        idle.bytes = bytes;
    }

    #[cfg(test)]
    fn bytes(&self) -> usize {
        lock(&self.inner).bytes
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer(len: usize, fill: u8) -> Vec<u8> {
        let mut b = Vec::with_capacity(len);
        b.resize(len, fill);
        b
    }

    #[test]
    fn a_writer_reuses_its_own_buffers_newest_first() {
        let pool = BufferPool::default();
        pool.give(buffer(100, 1));
        pool.give(buffer(100, 2));
        assert_eq!(pool.take(100)[0], 2);
        assert_eq!(pool.take(100)[0], 1);
    }

    #[test]
    fn a_new_writer_gets_the_buffers_an_ended_one_left() {
        let len = 12_345; // a size no other test's frames have
        let first = BufferPool::default();
        let kept = buffer(len, 7);
        let address = kept.as_ptr();
        first.give(kept);
        drop(first); // the writer ended
        let again = BufferPool::default().take(len);
        assert_eq!(again.as_ptr(), address, "the same memory, already mapped");
    }

    #[test]
    fn idle_buffers_go_to_a_later_taker_of_about_their_size() {
        let idle = IdleBuffers::new(1 << 20);
        idle.keep(vec![buffer(1000, 1), buffer(5000, 2), buffer(1000, 3)]);
        assert_eq!(idle.bytes(), 7000);
        // Too small for 6000, too big for 100 (more than half wasted).
        assert!(idle.take(6000).is_none());
        assert!(idle.take(100).is_none());
        assert_eq!(idle.take(1000).unwrap()[0], 3, "newest first");
        assert_eq!(idle.take(900).unwrap()[0], 1);
        assert_eq!(idle.take(4000).unwrap()[0], 2);
        assert!(idle.take(1000).is_none());
        assert_eq!(idle.bytes(), 0);
    }

    #[test]
    fn the_idle_store_keeps_the_newest_within_its_limit() {
        let idle = IdleBuffers::new(2500);
        idle.keep(vec![buffer(1000, 1), buffer(1000, 2)]);
        idle.keep(vec![buffer(1000, 3)]);
        assert_eq!(idle.bytes(), 2000, "the oldest went");
        assert_eq!(idle.take(1000).unwrap()[0], 3);
        assert_eq!(idle.take(1000).unwrap()[0], 2);
        assert!(idle.take(1000).is_none());
        // One buffer over the limit on its own is not kept.
        idle.keep(vec![buffer(3000, 4)]);
        assert_eq!(idle.bytes(), 0);
    }
}
