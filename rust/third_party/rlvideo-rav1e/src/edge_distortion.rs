// Copyright (c) 2026, The rlvideo contributors. All rights reserved
//
// This source code is subject to the terms of the BSD 2 Clause License and
// the Alliance for Open Media Patent License 1.0. If the BSD 2 Clause License
// was not distributed with this source code in the LICENSE file, you can
// obtain it at www.aomedia.org/license/software. If the Alliance for Open
// Media Patent License 1.0 was not distributed with this source code in the
// PATENTS file, you can obtain it at www.aomedia.org/license/patent.

//! `SpeedSettings::exact_edge_distortion` (rlvideo delta): the distortion of
//! the pixels of a block cut by the frame's edge that `get_weighted_sse`
//! leaves out.
//!
//! `get_weighted_sse` weights the squared error of whole 4x4 chunks (the
//! assembly needs whole chunks; the Rust version steps over windows of 4 and
//! so stops at the last whole one). A block cut by the frame's right or
//! bottom edge has a visible width or height that need not be a multiple of
//! 4: its last one to three columns or rows were counted as free, and the
//! search could code a change there as if it were already right.

use crate::encoder::IMPORTANCE_BLOCK_SIZE;
use crate::partition::BlockSize;
use crate::rdo::{Distortion, DistortionScale, RawDistortion};
use crate::tiling::{Area, PlaneRegion};
use crate::util::{CastFromPrimitive, Pixel};

/// The side of the chunks `get_weighted_sse` weights one scale each.
const CHUNK: usize = IMPORTANCE_BLOCK_SIZE >> 1;

/// The weighted squared error of the partial 4x4 chunks of a `w` x `h`
/// region (those `get_weighted_sse` leaves out), each weighted by the scale
/// `compute_bias` gives its chunk, as `sse_wxh` does for whole ones.
pub(crate) fn partial_chunks_sse<T: Pixel, F>(
  src1: &PlaneRegion<'_, T>, src2: &PlaneRegion<'_, T>, w: usize, h: usize,
  compute_bias: F,
) -> Distortion
where
  F: Fn(Area, BlockSize) -> DistortionScale,
{
  let mut sum = Distortion::zero();
  if w % CHUNK == 0 && h % CHUNK == 0 {
    return sum;
  }
  let chunk_bsize = BlockSize::from_width_and_height(
    CHUNK << src1.plane_cfg.xdec,
    CHUNK << src1.plane_cfg.ydec,
  );
  for cy in (0..h).step_by(CHUNK) {
    let chunk_h = (h - cy).min(CHUNK);
    for cx in (0..w).step_by(CHUNK) {
      let chunk_w = (w - cx).min(CHUNK);
      if chunk_w == CHUNK && chunk_h == CHUNK {
        continue;
      }
      let mut sse = 0u64;
      for y in cy..cy + chunk_h {
        for (&a, &b) in src1[y][cx..cx + chunk_w].iter().zip(&src2[y][cx..]) {
          let d = i32::cast_from(a) - i32::cast_from(b);
          sse += (d * d) as u64;
        }
      }
      let area = Area::StartingAt { x: cx as isize, y: cy as isize };
      sum += RawDistortion::new(sse) * compute_bias(area, chunk_bsize);
    }
  }
  sum
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::frame::{AsRegion, Plane};
  use rand::{Rng, SeedableRng};
  use rand_chacha::ChaCha8Rng;

  /// With unit weights, the partial chunks' error is the error of every
  /// pixel of the region less that of its whole 4x4 chunks, for every
  /// width and height up to 19 (so 1-3 leftover columns and rows, and none).
  #[test]
  fn partial_chunks_are_what_whole_chunks_leave_out() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut a = Plane::<u8>::new(32, 32, 0, 0, 0, 0);
    let mut b = Plane::<u8>::new(32, 32, 0, 0, 0, 0);
    for (pa, pb) in a.data.iter_mut().zip(b.data.iter_mut()) {
      *pa = rng.random();
      *pb = rng.random();
    }
    let squared = |x: usize, y: usize| {
      let d = i64::from(a.p(x, y)) - i64::from(b.p(x, y));
      (d * d) as u64
    };
    for h in 1..20 {
      for w in 1..20 {
        let all: u64 = (0..h)
          .flat_map(|y| (0..w).map(move |x| (x, y)))
          .map(|(x, y)| squared(x, y))
          .sum();
        let (whole_w, whole_h) = (w / CHUNK * CHUNK, h / CHUNK * CHUNK);
        let whole: u64 = (0..whole_h)
          .flat_map(|y| (0..whole_w).map(move |x| (x, y)))
          .map(|(x, y)| squared(x, y))
          .sum();
        let partial =
          partial_chunks_sse(&a.as_region(), &b.as_region(), w, h, |_, _| {
            DistortionScale::default()
          });
        assert_eq!(partial.0, all - whole, "{w}x{h}");
      }
    }
  }
}
