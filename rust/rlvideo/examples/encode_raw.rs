//! Encodes raw packed RGB frames (`width * height * 3` bytes each, back to back) from a file
//! and prints frames/s and the file size: the pipeline without Python, for profiling.
//!
//! ```text
//! cargo run --release --example encode_raw -- frames.rgb 600 400 out.mp4 [threads=N]
//!     [tiles=N] [speed=N] [quantizer=N] [rl_tuning=BOOL] [static_skip=BOOL] [chroma=420|444]
//!     [scale=N] [keyframe_interval=N] [fps=F]
//! ```
//! `keyframe_interval=1` makes every frame a key frame: the intra coding alone, measured over
//! many frames instead of one per video.
//! A bare number after the output path is the thread count, as in earlier versions.

use std::fs::File;
use std::io::{BufReader, ErrorKind, Read};
use std::time::Instant;

use rlvideo::{EncoderOptions, FrameRef, PixelFormat, VideoWriter};

type BoxError = Box<dyn std::error::Error>;

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        return Err("usage: encode_raw FRAMES.rgb WIDTH HEIGHT OUT.mp4 [KEY=VALUE ...]".into());
    }
    let (width, height): (usize, usize) = (args[2].parse()?, args[3].parse()?);
    rlvideo::check_dimensions(width, height)?;
    let (options, fps) = parse_options(&args[5..])?;
    // One frame at a time through one buffer, as a simulation would hand them over: reading
    // the whole file first would add its page faults to the encoder's CPU time.
    let mut input = BufReader::new(File::open(&args[1])?);
    let mut frame = vec![0u8; width * height * 3];
    let start = Instant::now();
    let mut writer = VideoWriter::create(&args[4], fps, options)?;
    while read_frame(&mut input, &mut frame)? {
        writer.write(FrameRef::packed(&frame, width, height, PixelFormat::Rgb)?)?;
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

/// Fills `frame` from `input`; false at the end of the file (a partial frame is ignored).
fn read_frame(input: &mut impl Read, frame: &mut [u8]) -> std::io::Result<bool> {
    match input.read_exact(frame) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

fn parse_options(args: &[String]) -> Result<(EncoderOptions, f64), BoxError> {
    let mut options = EncoderOptions::default();
    let mut fps = 50.0;
    for arg in args {
        let (key, value) = arg.split_once('=').unwrap_or(("threads", arg));
        match key {
            "threads" => options.threads = value.parse()?,
            "tiles" => options.tiles = value.parse()?,
            "speed" => options.speed = value.parse()?,
            "quantizer" => options.quantizer = value.parse()?,
            "rl_tuning" => options.rl_tuning = value.parse()?,
            "static_skip" => options.static_skip = value.parse()?,
            "chroma" => options.chroma = value.parse()?,
            "scale" => options.scale = value.parse()?,
            "keyframe_interval" => options.keyframe_interval = value.parse()?,
            "fps" => fps = value.parse()?,
            _ => return Err(format!("unknown option {key:?} in {arg:?}").into()),
        }
    }
    Ok((options, fps))
}
