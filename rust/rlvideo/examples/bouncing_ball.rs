//! A tiny physics simulation that renders itself and records the episode, the way a Rust
//! simulator embeds rlvideo.
//!
//! ```text
//! cargo run --release --example bouncing_ball -- videos/bouncing_ball.mp4
//! ```

use std::path::PathBuf;

use rlvideo::{EncoderOptions, FrameRef, PixelFormat, VideoWriter};

const WIDTH: usize = 320;
const HEIGHT: usize = 240;
const RADIUS: f32 = 12.0;
const FPS: f64 = 50.0;
const STEPS: usize = 250;

/// Position and velocity of one ball in a box with gravity.
struct Ball {
    x: f32,
    y: f32,
    vx: f32,
    vy: f32,
}

impl Ball {
    fn step(&mut self, dt: f32) {
        self.vy += 400.0 * dt;
        self.x += self.vx * dt;
        self.y += self.vy * dt;
        if self.x < RADIUS || self.x > WIDTH as f32 - RADIUS {
            self.vx = -self.vx;
            self.x = self.x.clamp(RADIUS, WIDTH as f32 - RADIUS);
        }
        if self.y > HEIGHT as f32 - RADIUS {
            self.vy = -self.vy * 0.9;
            self.y = HEIGHT as f32 - RADIUS;
        }
    }

    /// Draws a white background, a grey floor and the ball, like a classic-control render.
    fn render(&self, canvas: &mut [u8]) {
        for (i, pixel) in canvas.chunks_exact_mut(3).enumerate() {
            let (px, py) = ((i % WIDTH) as f32, (i / WIDTH) as f32);
            let inside = (px - self.x).powi(2) + (py - self.y).powi(2) <= RADIUS * RADIUS;
            let colour = if inside {
                [202, 152, 101]
            } else if py >= HEIGHT as f32 - 4.0 {
                [80, 80, 80]
            } else {
                [255, 255, 255]
            };
            pixel.copy_from_slice(&colour);
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("videos/bouncing_ball.mp4"));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }

    let mut ball = Ball {
        x: 40.0,
        y: 40.0,
        vx: 120.0,
        vy: 0.0,
    };
    let mut canvas = vec![0u8; WIDTH * HEIGHT * 3];
    let mut writer = VideoWriter::create(&path, FPS, EncoderOptions::default())?;
    for _ in 0..STEPS {
        ball.step(1.0 / FPS as f32);
        ball.render(&mut canvas);
        // `write` copies the frame, so the canvas is free to be redrawn right away.
        writer.write(FrameRef::packed(&canvas, WIDTH, HEIGHT, PixelFormat::Rgb)?)?;
    }
    let summary = writer.finish()?;
    println!(
        "wrote {} frames ({}x{}, {:.2} s, {} bytes) to {}",
        summary.frames,
        summary.width,
        summary.height,
        summary.duration.as_secs_f64(),
        summary.bytes,
        summary.path.display()
    );
    Ok(())
}
