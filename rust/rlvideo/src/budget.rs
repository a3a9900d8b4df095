//! Back-pressure: how many bytes of frames may wait for the encoder thread.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A counting semaphore over bytes. `acquire` blocks while the budget is spent; the
/// consumer `release`s as it finishes each frame, or `close`s when it stops early so no
/// producer waits forever.
#[derive(Debug)]
pub(crate) struct ByteBudget {
    limit: usize,
    state: Mutex<State>,
    room: Condvar,
}

#[derive(Debug, Default)]
struct State {
    queued: usize,
    closed: bool,
}

impl ByteBudget {
    pub fn new(limit: usize) -> Self {
        ByteBudget {
            limit,
            state: Mutex::default(),
            room: Condvar::new(),
        }
    }

    /// Reserves `bytes`, waiting for room. A frame larger than the whole budget is let
    /// through once the queue is empty, so it cannot deadlock. Returns `false` if the
    /// consumer has stopped.
    pub fn acquire(&self, bytes: usize) -> bool {
        let mut state = self.lock();
        while !state.closed && state.queued > 0 && state.queued + bytes > self.limit {
            state = self.room.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        if state.closed {
            return false;
        }
        state.queued += bytes;
        true
    }

    /// Waits up to `timeout` until `acquire(bytes)` would return at once (room, or the
    /// consumer gone). Lets a caller wait in slices and stay responsive (to Ctrl-C, say).
    pub fn wait_for_room(&self, bytes: usize, timeout: Duration) -> bool {
        self.wait_until(timeout, |s| {
            s.closed || s.queued == 0 || s.queued + bytes <= self.limit
        })
    }

    /// True once `close` was called.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Waits up to `timeout` for `close`; true once the consumer is gone.
    pub fn wait_closed(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |s| s.closed)
    }

    fn wait_until(&self, timeout: Duration, ready: impl Fn(&State) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        while !ready(&state) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self
                .room
                .wait_timeout(state, left)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        true
    }

    /// Returns `bytes` reserved by `acquire`.
    pub fn release(&self, bytes: usize) {
        let mut state = self.lock();
        state.queued = state.queued.saturating_sub(bytes);
        self.room.notify_all();
    }

    /// Marks the consumer as gone and wakes every waiting producer.
    pub fn close(&self) {
        self.lock().closed = true;
        self.room.notify_all();
    }

    /// Bytes currently reserved.
    pub fn queued(&self) -> usize {
        self.lock().queued
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked: it is two plain fields.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn blocks_when_full_and_resumes_on_release() {
        let budget = Arc::new(ByteBudget::new(10));
        assert!(budget.acquire(8));
        let waiter = {
            let budget = Arc::clone(&budget);
            std::thread::spawn(move || budget.acquire(8))
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(!waiter.is_finished(), "acquire should wait for room");
        budget.release(8);
        assert!(waiter.join().unwrap());
        assert_eq!(budget.queued(), 8);
    }

    #[test]
    fn waits_time_out_and_succeed() {
        let budget = ByteBudget::new(10);
        assert!(budget.acquire(8));
        assert!(!budget.wait_for_room(8, Duration::from_millis(20)));
        assert!(budget.wait_for_room(2, Duration::ZERO));
        assert!(!budget.wait_closed(Duration::from_millis(20)));
        budget.close();
        assert!(budget.wait_closed(Duration::ZERO));
        assert!(budget.wait_for_room(100, Duration::ZERO));
    }

    #[test]
    fn oversized_item_passes_when_empty_and_close_wakes_waiters() {
        let budget = Arc::new(ByteBudget::new(4));
        assert!(budget.acquire(100));
        let waiter = {
            let budget = Arc::clone(&budget);
            std::thread::spawn(move || budget.acquire(1))
        };
        std::thread::sleep(Duration::from_millis(50));
        budget.close();
        assert!(!waiter.join().unwrap());
    }
}
