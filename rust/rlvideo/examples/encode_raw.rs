//! Encodes raw packed RGB frames (`width * height * 3` bytes each, back to back) from a file
//! and prints frames/s and the file size: the pipeline without Python, for profiling.
//!
//! ```text
//! cargo run --release --example encode_raw -- frames.rgb 600 400 out.mp4 [threads]
//! ```

use std::time::Instant;

use rlvideo::{EncoderOptions, FrameRef, PixelFormat, VideoWriter};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        return Err("usage: encode_raw FRAMES.rgb WIDTH HEIGHT OUT.mp4 [THREADS]".into());
    }
    let pixels = std::fs::read(&args[1])?;
    let (width, height): (usize, usize) = (args[2].parse()?, args[3].parse()?);
    rlvideo::check_dimensions(width, height)?;
    let options = EncoderOptions {
        threads: args.get(5).map_or(Ok(0), |t| t.parse())?,
        ..EncoderOptions::default()
    };
    let frame_len = width * height * 3;
    let start = Instant::now();
    let mut writer = VideoWriter::create(&args[4], 50.0, options)?;
    for chunk in pixels.chunks_exact(frame_len) {
        writer.write(FrameRef::packed(chunk, width, height, PixelFormat::Rgb)?)?;
    }
    let summary = writer.finish()?;
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{} frames in {seconds:.2} s = {:.1} frames/s, {} bytes",
        summary.frames,
        summary.frames as f64 / seconds,
        summary.bytes
    );
    Ok(())
}
