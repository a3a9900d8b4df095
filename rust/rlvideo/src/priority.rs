//! Encoder threads that yield to the caller's threads: each lowers its own scheduling
//! priority when it starts ([`crate::EncoderOptions::nice`]).
//!
//! On Linux `setpriority(PRIO_PROCESS, tid, ...)` changes one thread, the one named by its
//! thread id, so the user's threads keep their priority. Raising one's own niceness needs no
//! privilege; a sandbox (seccomp) may still refuse the call, and then the thread runs at the
//! priority it inherited: a lower priority is a courtesy, not something a video may fail
//! for. Elsewhere (macOS, Windows) nothing is changed.

/// Raises the calling thread's niceness by `increment`, to at most 19 (the lowest
/// priority). 0 changes nothing. Errors are ignored (above).
pub(crate) fn lower_current_thread(increment: u8) {
    if increment > 0 {
        imp::lower(increment);
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
mod imp {
    /// The lowest priority: the largest niceness.
    const MAX_NICENESS: i32 = 19;

    /// The calling thread's niceness (-20..=19), or `None` if the kernel does not say.
    pub(crate) fn current_thread_niceness() -> Option<i32> {
        // SAFETY: gettid has no preconditions and cannot fail.
        let tid = unsafe { libc::gettid() };
        // The raw system call returns 20 - niceness (1..=40), so no niceness reads as its
        // error value, as -1 does from the C library's getpriority.
        // SAFETY: getpriority only reads the scheduling state of the thread named.
        let raw = unsafe { libc::syscall(libc::SYS_getpriority, libc::PRIO_PROCESS, tid) };
        (1..=40).contains(&raw).then(|| 20 - raw as i32)
    }

    pub(super) fn lower(increment: u8) {
        let Some(current) = current_thread_niceness() else {
            return;
        };
        let target = (current + i32::from(increment)).min(MAX_NICENESS);
        if target > current {
            // SAFETY: gettid has no preconditions; setpriority changes only the calling
            // thread's niceness (a Linux thread id names one thread). A refusal is ignored.
            unsafe {
                let tid = libc::gettid();
                libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, target);
            }
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod imp {
    pub(super) fn lower(_increment: u8) {}
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
pub(crate) use imp::current_thread_niceness;

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// Runs `f` on a new thread (so the test thread keeps its priority) and returns the
    /// niceness before and after.
    fn on_new_thread(f: impl FnOnce() + Send + 'static) -> (i32, i32) {
        std::thread::spawn(move || {
            let before = current_thread_niceness().expect("getpriority");
            f();
            (before, current_thread_niceness().expect("getpriority"))
        })
        .join()
        .expect("the thread panicked")
    }

    #[test]
    fn lowering_adds_the_increment_and_stops_at_19() {
        let (before, after) = on_new_thread(|| lower_current_thread(3));
        assert_eq!(after, (before + 3).min(19));
        let (_, capped) = on_new_thread(|| lower_current_thread(19));
        assert_eq!(capped, 19);
        let (before, unchanged) = on_new_thread(|| lower_current_thread(0));
        assert_eq!(unchanged, before);
    }

    #[test]
    fn only_the_calling_thread_is_lowered() {
        let mine = current_thread_niceness();
        on_new_thread(|| lower_current_thread(5));
        assert_eq!(current_thread_niceness(), mine);
    }
}
