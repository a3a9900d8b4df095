//! A physics simulation that records itself: balls falling into a box (rapier2d), drawn
//! into a pixel buffer (tiny-skia) and handed to rlvideo without a copy.
//!
//!     cargo run --release -p rlvideo-sim-example -- videos/balls.mp4 [seconds]
//!
//! Each frame is rendered into a fresh `Pixmap`, whose pixels move into an `OwnedFrame` and
//! from there to the encoder thread (`VideoWriter::write_shared`): the simulation never
//! waits for the encoder unless it is more than `memory_budget` ahead.

use std::error::Error;
use std::process::ExitCode;

use rapier2d::prelude::*;
use rlvideo::{EncoderOptions, OwnedFrame, PixelFormat, VideoWriter};
use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, Rect, Transform};

const WIDTH: u32 = 480;
const HEIGHT: u32 = 320;
/// Pixels per metre: the box is 12 m x 8 m.
const SCALE: f32 = 40.0;
const FPS: f64 = 60.0;
const BALLS: usize = 24;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: {} OUT.mp4 [seconds]", args[0]);
        return ExitCode::from(2);
    };
    let seconds = match args.get(2).map(|s| s.parse::<f64>()) {
        None => 5.0,
        Some(Ok(seconds)) if seconds > 0.0 => seconds,
        Some(_) => {
            eprintln!("seconds must be a positive number, got {:?}", args[2]);
            return ExitCode::from(2);
        }
    };
    match record(path, seconds) {
        Ok(summary) => {
            println!(
                "{} frames ({:.1} s of simulation), {} bytes in {}",
                summary.frames,
                summary.duration.as_secs_f64(),
                summary.bytes,
                summary.path.display()
            );
            ExitCode::SUCCESS
        }
        // rlvideo's errors say what went wrong and with which file, e.g. "cannot create the
        // video videos/balls.mp4: No such file or directory (os error 2)".
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn record(path: &str, seconds: f64) -> Result<rlvideo::Summary, Box<dyn Error>> {
    let mut world = scene();
    let mut writer = VideoWriter::create(path, FPS, EncoderOptions::default())?;
    let frames = (seconds * FPS).round() as usize;
    for _ in 0..frames {
        world.step();
        let pixels = draw(&world)?.take(); // RGBA, opaque, so premultiplied = straight
        let frame = OwnedFrame::new(pixels, WIDTH as usize, HEIGHT as usize, PixelFormat::Rgba)?;
        // If the encoder thread failed (a full disk, say), this returns its error, and the
        // `?` stops the simulation with it; `finish` would report it too.
        writer.write_shared(frame)?;
    }
    Ok(writer.finish()?)
}

/// A box of four walls and balls dropped from the top with a little sideways speed.
fn scene() -> PhysicsWorld {
    let mut world = PhysicsWorld::default();
    world.integration_parameters.dt = (1.0 / FPS) as f32;
    let (w, h) = (WIDTH as f32 / SCALE, HEIGHT as f32 / SCALE);
    for (x, y, hx, hy) in [
        (w / 2.0, -0.25, w / 2.0, 0.25),
        (-0.25, h / 2.0, 0.25, h / 2.0),
        (w + 0.25, h / 2.0, 0.25, h / 2.0),
    ] {
        world.insert(
            RigidBodyBuilder::fixed().translation(Vector::new(x, y)),
            ColliderBuilder::cuboid(hx, hy),
        );
    }
    for i in 0..BALLS {
        let x = 1.0 + (i as f32 * 1.7) % (w - 2.0);
        let y = h + 1.0 + i as f32 * 0.6;
        let sideways = ((i % 5) as f32 - 2.0) * 0.8;
        world.insert(
            RigidBodyBuilder::dynamic()
                .translation(Vector::new(x, y))
                .linvel(Vector::new(sideways, 0.0)),
            ColliderBuilder::ball(0.25 + 0.05 * (i % 4) as f32).restitution(0.7),
        );
    }
    world
}

/// One frame: the floor and every ball, y pointing up as in the simulation.
fn draw(world: &PhysicsWorld) -> Result<Pixmap, Box<dyn Error>> {
    let mut pixmap = Pixmap::new(WIDTH, HEIGHT).ok_or("cannot allocate the canvas")?;
    pixmap.fill(Color::from_rgba8(245, 245, 240, 255));
    let mut paint = Paint {
        anti_alias: true,
        ..Paint::default()
    };
    paint.set_color_rgba8(60, 60, 60, 255);
    let floor = Rect::from_xywh(0.0, HEIGHT as f32 - 4.0, WIDTH as f32, 4.0).ok_or("bad rect")?;
    pixmap.fill_rect(floor, &paint, Transform::identity(), None);
    for (_, collider) in world.colliders.iter() {
        let Some(ball) = collider.shape().as_ball() else {
            continue;
        };
        let centre = collider.translation();
        let (x, y) = (centre.x * SCALE, HEIGHT as f32 - centre.y * SCALE);
        let hue = (centre.x / (WIDTH as f32 / SCALE) * 200.0) as u8;
        paint.set_color_rgba8(220, 40 + hue / 2, 255 - hue, 255);
        if let Some(circle) = PathBuilder::from_circle(x, y, ball.radius * SCALE) {
            pixmap.fill_path(
                &circle,
                &paint,
                FillRule::Winding,
                Transform::identity(),
                None,
            );
        }
    }
    Ok(pixmap)
}
