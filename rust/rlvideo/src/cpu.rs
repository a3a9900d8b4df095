//! Which of rav1e's hand-written SIMD kernels run on this CPU.

/// The instruction set of the assembly rav1e runs on this CPU, by rav1e's name for it:
/// `"AVX512ICL"`, `"AVX512"`, `"AVX2"`, `"SSE4_1"`, `"SSSE3"` or `"SSE2"` on x86_64, `"NEON"`
/// on aarch64, and `"RUST"` when no assembly runs: the crate was built without its `asm`
/// feature (or without nasm), or the CPU has none of these. rav1e's `RAV1E_CPU_TARGET`
/// environment variable can lower it. Encoding at `"RUST"` takes 1.5x (CartPole renders) to
/// 4x (busy frames) the CPU.
///
/// ```
/// let level = rlvideo::simd_level();
/// if level == "RUST" {
///     eprintln!("rav1e runs without SIMD assembly here: expect slow encoding");
/// }
/// ```
pub fn simd_level() -> String {
    format!("{:?}", rav1e::config::CpuFeatureLevel::default())
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(all(target_arch = "x86_64", feature = "asm"))]
    fn x86_64_with_asm_runs_assembly() {
        // Every x86_64 CPU has SSE2, so with the assembly built in rav1e never falls back to
        // plain Rust (unless RAV1E_CPU_TARGET asks it to).
        if std::env::var_os("RAV1E_CPU_TARGET").is_none() {
            assert_ne!(super::simd_level(), "RUST");
        }
    }
}
