// Copyright (c) 2026, The rlvideo contributors. All rights reserved
//
// This source code is subject to the terms of the BSD 2 Clause License and
// the Alliance for Open Media Patent License 1.0. If the BSD 2 Clause License
// was not distributed with this source code in the LICENSE file, you can
// obtain it at www.aomedia.org/license/software. If the Alliance for Open
// Media Patent License 1.0 was not distributed with this source code in the
// PATENTS file, you can obtain it at www.aomedia.org/license/patent.

//! `SpeedSettings::static_skip` (rlvideo delta): blocks of an inter frame
//! whose source equals the LAST reference's source are coded as zero-motion
//! skip blocks from LAST, without motion search or RDO.
//!
//! Their reconstruction is LAST's reconstruction of the same source, so
//! nothing drifts and the bitstream is ordinary AV1. Real-time encoders
//! (libaom's and libvpx's "source SAD is zero" paths) do the same.

use std::sync::Arc;

use crate::context::{
  has_chroma, max_txsize_rect_lookup, CFLParams, SuperBlockOffset,
  TileBlockOffset, TileSuperBlockOffset, MI_SIZE_LOG2,
};
use crate::encoder::{DeblockState, FrameInvariants, FrameState};
use crate::frame::{AsRegion, Frame, Plane, PlaneConfig};
use crate::mc::MotionVector;
use crate::partition::BlockSize;
use crate::partition::RefType::{LAST_FRAME, NONE_FRAME};
use crate::predict::{AngleDelta, PredictionMode};
use crate::rdo::{
  compute_rd_cost, distortion_against, PartitionParameters, ScaledDistortion,
};
use crate::tiling::{Area, TileStateMut};
use crate::transform::TxType;
use crate::util::Pixel;
use crate::EncoderConfig;

/// Superblocks are 64x64 luma pixels; the mask has one bit per 8x8 unit.
const SB_LOG2: usize = 6;
const UNIT_LOG2: usize = 3;
const UNITS_PER_ROW: usize = 1 << (SB_LOG2 - UNIT_LOG2);

/// The source a reference frame keeps for later static-skip decisions.
pub(crate) fn kept_input<T: Pixel>(
  config: &EncoderConfig, fs: &FrameState<T>,
) -> Option<Arc<Frame<T>>> {
  config.speed_settings.static_skip.then(|| fs.input.clone())
}

/// The LAST reference's source, where a static skip may be taken at all.
pub(crate) fn last_source<T: Pixel>(
  fi: &FrameInvariants<T>,
) -> Option<&Arc<Frame<T>>> {
  if !fi.config.speed_settings.static_skip
    || !fi.frame_type.has_inter()
    || fi.sb_size_log2() != SB_LOG2
  {
    return None;
  }
  let slot = fi.ref_frames[LAST_FRAME.to_index()] as usize;
  let reference = fi.rec_buffer.frames[slot].as_ref()?;
  if reference.width as usize != fi.width
    || reference.height as usize != fi.height
  {
    return None;
  }
  reference.input.as_ref()
}

/// The masks of every superblock of a frame against one reference source,
/// worked out once per frame (in the lookahead) and read by the motion
/// search, the partition search and the activity mask.
#[derive(Debug)]
pub struct StaticMap<T: Pixel> {
  reference: Arc<Frame<T>>,
  sb_cols: usize,
  masks: Box<[u64]>,
}

impl<T: Pixel> StaticMap<T> {
  /// `input` against LAST's source; `None` where static skip does not apply.
  pub(crate) fn new(
    fi: &FrameInvariants<T>, input: &Frame<T>,
  ) -> Option<Arc<Self>> {
    let reference = last_source(fi)?;
    let sb_cols = fi.width.div_ceil(1 << SB_LOG2);
    let sb_rows = fi.height.div_ceil(1 << SB_LOG2);
    let mut masks = vec![u64::MAX; sb_cols * sb_rows].into_boxed_slice();
    for (cur, prev) in input.planes.iter().zip(reference.planes.iter()) {
      clear_changed_units_of_plane(cur, prev, sb_cols, &mut masks);
    }
    Some(Arc::new(Self { reference: Arc::clone(reference), sb_cols, masks }))
  }

  /// `map` if it was made against LAST's source, else a new one; `None` where
  /// static skip does not apply.
  pub(crate) fn for_last(
    map: Option<Arc<Self>>, fi: &FrameInvariants<T>, input: &Frame<T>,
  ) -> Option<Arc<Self>> {
    let last = last_source(fi)?;
    match map {
      Some(map) if map.is_against(last) => Some(map),
      _ => Self::new(fi, input),
    }
  }

  /// Whether the masks were made against `reference`.
  pub(crate) fn is_against(&self, reference: &Arc<Frame<T>>) -> bool {
    Arc::ptr_eq(&self.reference, reference)
  }

  /// Whether the 8x8 luma unit (x, y) of the frame (with its chroma) is
  /// unchanged since the reference.
  pub(crate) fn unit_unchanged(&self, x: usize, y: usize) -> bool {
    let shift = SB_LOG2 - UNIT_LOG2;
    let mask = self.masks.get((y >> shift) * self.sb_cols + (x >> shift));
    let bit =
      (y & (UNITS_PER_ROW - 1)) * UNITS_PER_ROW + (x & (UNITS_PER_ROW - 1));
    mask.is_some_and(|mask| mask >> bit & 1 != 0)
  }
}

/// Bit `8 * y + x` is set when the 8x8 luma unit (x, y) of superblock
/// `tile_sbo`, with its chroma, is unchanged since LAST's source. Units
/// outside the frame count as unchanged: nobody sees them. Zero (search as
/// usual) unless the frame's map was made against LAST's source.
pub(crate) fn superblock_mask<T: Pixel>(
  fi: &FrameInvariants<T>, ts: &TileStateMut<'_, T>,
  tile_sbo: TileSuperBlockOffset,
) -> u64 {
  let Some(last) = last_source(fi) else { return 0 };
  let x = ts.sbo.0.x + tile_sbo.0.x;
  let y = ts.sbo.0.y + tile_sbo.0.y;
  match ts.static_map {
    Some(map) if map.is_against(last) => map.masks[y * map.sb_cols + x],
    _ => 0,
  }
}

/// The bits of the superblock's 8x8 units that show pixels of the frame.
pub(crate) fn visible_units<T: Pixel>(
  fi: &FrameInvariants<T>, ts: &TileStateMut<'_, T>,
  tile_sbo: TileSuperBlockOffset,
) -> u64 {
  let x0 = (ts.sbo.0.x + tile_sbo.0.x) << SB_LOG2;
  let y0 = (ts.sbo.0.y + tile_sbo.0.y) << SB_LOG2;
  let units = |size: usize, start: usize| {
    (size.saturating_sub(start).div_ceil(1 << UNIT_LOG2)).min(UNITS_PER_ROW)
  };
  let (cols, rows) = (units(fi.width, x0), units(fi.height, y0));
  let row = (1u64 << cols) - 1;
  (0..rows).fold(0, |mask, y| mask | row << (y * UNITS_PER_ROW))
}

/// For each superblock of the tile (row by row), whether all of it is
/// unchanged since LAST's source; empty when static skip does not apply.
pub(crate) fn static_superblocks<T: Pixel>(
  fi: &FrameInvariants<T>, ts: &TileStateMut<'_, T>,
) -> Vec<bool> {
  if last_source(fi).is_none() {
    return Vec::new();
  }
  let mut sbs = Vec::with_capacity(ts.sb_width * ts.sb_height);
  for y in 0..ts.sb_height {
    for x in 0..ts.sb_width {
      let sbo = TileSuperBlockOffset(SuperBlockOffset { x, y });
      sbs.push(superblock_mask(fi, ts, sbo) == u64::MAX);
    }
  }
  sbs
}

/// Clears, in the per-superblock `masks` of a frame, the bit of every unit
/// whose visible pixels of this plane differ between `cur` and `prev`. Row by
/// row over the whole plane: most rows of screen-like content repeat, and one
/// comparison of a whole row settles them.
fn clear_changed_units_of_plane<T: Pixel>(
  cur: &Plane<T>, prev: &Plane<T>, sb_cols: usize, masks: &mut [u64],
) {
  let cfg = &cur.cfg;
  debug_assert_eq!(cfg.stride, prev.cfg.stride);
  let unit_w = 1 << (UNIT_LOG2 - cfg.xdec);
  let unit_h_log2 = UNIT_LOG2 - cfg.ydec;
  let (cur_data, prev_data) = (cur.data_origin(), prev.data_origin());
  for y in 0..cfg.height {
    let start = y * cfg.stride;
    let (cur_row, prev_row) = (
      &cur_data[start..start + cfg.width],
      &prev_data[start..start + cfg.width],
    );
    if cur_row == prev_row {
      continue;
    }
    let unit_y = y >> unit_h_log2;
    let sb_row = &mut masks[(unit_y / UNITS_PER_ROW) * sb_cols..];
    let row_bits = (unit_y % UNITS_PER_ROW) * UNITS_PER_ROW;
    // A superblock's width at a time, then its units where that differs.
    let sb_w = unit_w * UNITS_PER_ROW;
    for (mask, (cur_sb, prev_sb)) in sb_row
      .iter_mut()
      .zip(cur_row.chunks(sb_w).zip(prev_row.chunks(sb_w)))
      .filter(|(_, (c, p))| c != p)
    {
      for (unit_x, (c, p)) in
        cur_sb.chunks(unit_w).zip(prev_sb.chunks(unit_w)).enumerate()
      {
        if c != p {
          *mask &= !(1u64 << (row_bits + unit_x));
        }
      }
    }
  }
}

/// How much of a block is unchanged since LAST's source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BlockChange {
  /// Every 8x8 unit is unchanged: code the block whole, as a static skip.
  Unchanged,
  /// Under an eighth of the units changed: split without being tried
  /// whole, so that the search runs only on what changed.
  SparselyChanged,
  /// An eighth or more changed, some not: searched whole and split, as
  /// without static skip, the static pieces of a split at their true cost
  /// ([`static_mode_decision`]).
  ///
  /// Where the line lies (the fraction of changed units under which a block
  /// must split), measured with `encode_raw`, 1 thread, rlvideo's defaults:
  ///
  /// | line | CarRacing 300 frames | balanced CartPole 600 | Breakout 300, instructions |
  /// |---|---|---|---|
  /// | 1/2 | 124,503 B, 38.59 dB | 28,966 B, 49.27 dB | 1.86 G |
  /// | 1/4 | 106,316 B, 38.98 dB | 28,088 B, 49.08 dB | 1.93 G |
  /// | 0 (all tried whole) | 93,766 B, 38.99 dB | 27,111 B, 48.82 dB | 2.27 G |
  ///
  /// (before the static decision's true cost: 133,195 B, 38.32 dB;
  /// 29,369 B, 49.11 dB; 1.80 G). At 0, CartPole's first 60 frames fell
  /// 0.4 dB below the encode without static skip
  /// (`tests/test_faithful.py::test_no_ghosts_between_key_frames`) and
  /// Breakout cost 27% more instructions.
  ///
  /// With `fast_inter_decision` a block tried whole costs less, and the
  /// line moved to an eighth:
  ///
  /// | line | CarRacing 300 frames | balanced CartPole 600 | Breakout 300, instructions |
  /// |---|---|---|---|
  /// | 1/4 | 104,452 B, 38.89 dB | 28,023 B, 49.03 dB | 1.79 G |
  /// | 1/8 | 95,491 B, 38.95 dB | 27,996 B, 49.05 dB | 1.87 G |
  ///
  /// Bjontegaard delta rate of 1/8 against 1/4 (quantizer 80-160): CarRacing
  /// -10.5%, balanced CartPole -0.6%, Breakout -1.3%. At 1/16 CartPole's
  /// worst 60 frames were 0.37 dB below the encode without static skip (the
  /// test allows 0.3; 1/8: 0.24, 1/4: 0.22).
  PartlyChanged,
  /// Every unit changed, or static skip does not apply: search as usual.
  Changed,
}

impl BlockChange {
  /// Whether some units changed and some did not.
  pub(crate) const fn is_mixed(self) -> bool {
    matches!(self, Self::SparselyChanged | Self::PartlyChanged)
  }
}

/// Classifies the block by the current superblock's mask. Blocks under
/// 8x8 are left to the normal search.
pub(crate) fn block_change<T: Pixel>(
  ts: &TileStateMut<'_, T>, bsize: BlockSize, tile_bo: TileBlockOffset,
) -> BlockChange {
  if ts.static_mask == 0 || bsize.width() < 8 || bsize.height() < 8 {
    return BlockChange::Changed;
  }
  let units_per_sb_log2 = SB_LOG2 - MI_SIZE_LOG2;
  let mi_in_sb = (1 << units_per_sb_log2) - 1;
  let ux = (tile_bo.0.x & mi_in_sb) >> (UNIT_LOG2 - MI_SIZE_LOG2);
  let uy = (tile_bo.0.y & mi_in_sb) >> (UNIT_LOG2 - MI_SIZE_LOG2);
  let (uw, uh) = (bsize.width() >> UNIT_LOG2, bsize.height() >> UNIT_LOG2);
  let row = (1u64 << uw) - 1;
  let mut block = 0u64;
  for y in uy..uy + uh {
    block |= row << (y * UNITS_PER_ROW + ux);
  }
  // Only the units on screen count: a block on the frame's edge is not
  // partly changed for being partly outside it.
  let block = block & ts.static_visible;
  if block == 0 {
    return BlockChange::Changed;
  }
  let unchanged = ts.static_mask & block;
  if unchanged == block {
    BlockChange::Unchanged
  } else if unchanged == 0 {
    BlockChange::Changed
  } else if 8 * (block ^ unchanged).count_ones() < block.count_ones() {
    BlockChange::SparselyChanged
  } else {
    BlockChange::PartlyChanged
  }
}

/// The mode decision for a static block: LAST, GLOBALMV (zero motion),
/// skip. Its rate-distortion cost is the distortion it leaves, its source
/// against LAST's reconstruction there (the few bits of its mode are left
/// out: 2 bits per block made CarRacing's Bjontegaard rate 0.5% worse). At
/// cost 0, as first written, the search split every mixed block around its
/// unchanged part, whose error then counted for nothing. Bjontegaard delta
/// rate against `static_skip=false` (quantizer 80-160, 1 thread), before ->
/// after (with the quarter line of [`BlockChange::PartlyChanged`]):
/// CarRacing (moving camera, 300 frames) +122% -> +43%, balanced CartPole
/// (600) +13.3% -> +6.0%, Breakout (600) +4.7% -> +2.4%.
///
/// A whole superblock is not weighed against anything (it cannot split),
/// so its distortion is not computed: most of a CartPole frame.
///
/// GLOBALMV rather than the cheaper NEARESTMV/NEARMV naming of a zero
/// vector: it is the one inter mode the loop filter's mode delta can tell
/// apart, see [`exempt_static_blocks_from_deblocking`].
pub(crate) fn static_mode_decision<T: Pixel>(
  fi: &FrameInvariants<T>, ts: &TileStateMut<'_, T>, bsize: BlockSize,
  tile_bo: TileBlockOffset,
) -> PartitionParameters {
  let max = fi.partition_range.max;
  let rd_cost = if bsize.width() * bsize.height() < max.width() * max.height()
  {
    compute_rd_cost(fi, 0, static_distortion(fi, ts, bsize, tile_bo))
  } else {
    0.0
  };
  PartitionParameters {
    rd_cost,
    bo: tile_bo,
    bsize,
    pred_mode_luma: PredictionMode::GLOBALMV,
    pred_mode_chroma: PredictionMode::GLOBALMV,
    pred_cfl_params: CFLParams::default(),
    angle_delta: AngleDelta::default(),
    ref_frames: [LAST_FRAME, NONE_FRAME],
    mvs: [MotionVector::default(); 2],
    skip: true,
    has_coeff: false,
    tx_size: max_txsize_rect_lookup[bsize as usize],
    tx_type: TxType::DCT_DCT,
    // Skip blocks code no segment id (as `select_segment` decides).
    sidx: 0,
  }
}

/// The distortion a static block leaves, measured as the RDO measures a
/// coded block's (the same tune, weights and visible area), against what
/// the block repeats: LAST's reconstruction at the same place.
fn static_distortion<T: Pixel>(
  fi: &FrameInvariants<T>, ts: &TileStateMut<'_, T>, bsize: BlockSize,
  tile_bo: TileBlockOffset,
) -> ScaledDistortion {
  let last = fi.ref_frames[LAST_FRAME.to_index()] as usize;
  let Some(last) = fi.rec_buffer.frames[last].as_ref() else {
    return ScaledDistortion::zero();
  };
  let area = Area::BlockStartingAt { bo: ts.to_frame_block_offset(tile_bo).0 };
  let PlaneConfig { xdec, ydec, .. } = ts.input.planes[1].cfg;
  let is_chroma_block =
    has_chroma(tile_bo, bsize, xdec, ydec, fi.sequence.chroma_sampling);
  distortion_against(fi, ts, bsize, is_chroma_block, tile_bo, false, |p| {
    last.frame.planes[p].region(area)
  })
}

/// Gives GLOBALMV blocks of a frame with static blocks filter level 0 (loop
/// filter mode delta -63). A static block's pixels are LAST's, which were filtered when
/// they were coded; filtering them again every frame would smear edges a
/// little more each time, and costs as much CPU as a frame where nothing
/// changed takes otherwise. Edges next to a changed block still take that
/// block's level, as AV1 uses the neighbour's level when a block's is 0.
/// A frame without static blocks is coded exactly as without static skip.
pub(crate) fn exempt_static_blocks_from_deblocking(
  static_blocks_coded: bool, deblock: &mut DeblockState,
) {
  if static_blocks_coded {
    deblock.deltas_enabled = true;
    deblock.delta_updates_enabled = true;
    deblock.mode_deltas = [-63, 0];
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::frame::FrameAlloc;
  use crate::util::ChromaSampling;
  use rand::{Rng, SeedableRng};
  use rand_chacha::ChaCha8Rng;

  fn random_frame(
    rng: &mut ChaCha8Rng, width: usize, height: usize, cs: ChromaSampling,
  ) -> Frame<u8> {
    let mut frame = Frame::<u8>::new(width, height, cs);
    for plane in frame.planes.iter_mut() {
      let (w, h, stride) =
        (plane.cfg.width, plane.cfg.height, plane.cfg.stride);
      for y in 0..h {
        for x in 0..w {
          plane.data_origin_mut()[y * stride + x] = rng.random();
        }
      }
    }
    frame
  }

  /// Whether the 8x8 luma unit (ux, uy), with its chroma, differs between
  /// `a` and `b`: every visible sample of every plane, compared one by one.
  fn unit_differs(a: &Frame<u8>, b: &Frame<u8>, ux: usize, uy: usize) -> bool {
    a.planes.iter().zip(b.planes.iter()).any(|(pa, pb)| {
      let cfg = &pa.cfg;
      let (w, h) = (8 >> cfg.xdec, 8 >> cfg.ydec);
      (uy * h..((uy + 1) * h).min(cfg.height)).any(|y| {
        (ux * w..((ux + 1) * w).min(cfg.width))
          .any(|x| pa.p(x, y) != pb.p(x, y))
      })
    })
  }

  fn masks_of(
    a: &Frame<u8>, b: &Frame<u8>, sb_cols: usize, sb_rows: usize,
  ) -> Vec<u64> {
    let mut masks = vec![u64::MAX; sb_cols * sb_rows];
    for (cur, prev) in a.planes.iter().zip(b.planes.iter()) {
      clear_changed_units_of_plane(cur, prev, sb_cols, &mut masks);
    }
    masks
  }

  /// The per-superblock masks against a naive per-unit comparison, on random
  /// frames with single-sample changes in every plane, odd sizes, 4:2:0 and
  /// 4:4:4: a change in any sample clears exactly its unit's bit.
  #[test]
  fn static_map_matches_a_naive_comparison() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for &(width, height) in
      &[(161, 97), (130, 70), (64, 64), (17, 9), (600, 400)]
    {
      for cs in [ChromaSampling::Cs420, ChromaSampling::Cs444] {
        let before = random_frame(&mut rng, width, height, cs);
        let sb_cols = width.div_ceil(64);
        let sb_rows = height.div_ceil(64);
        assert!(masks_of(&before, &before.clone(), sb_cols, sb_rows)
          .iter()
          .all(|&m| m == u64::MAX));
        for trial in 0..60 {
          let mut after = before.clone();
          let plane = trial % 3;
          let cfg = after.planes[plane].cfg.clone();
          // Corners and last rows and columns as well as random samples.
          let (x, y) = match trial / 3 {
            0 => (cfg.width - 1, cfg.height - 1),
            1 => (cfg.width - 1, 0),
            2 => (0, cfg.height - 1),
            _ => {
              (rng.random_range(0..cfg.width), rng.random_range(0..cfg.height))
            }
          };
          let old = after.planes[plane].p(x, y);
          after.planes[plane].data_origin_mut()[y * cfg.stride + x] =
            old.wrapping_add(rng.random_range(1..=255));
          let masks = masks_of(&after, &before, sb_cols, sb_rows);
          for uy in 0..height.div_ceil(8) {
            for ux in 0..width.div_ceil(8) {
              let bit = (uy % 8) * 8 + ux % 8;
              let unchanged =
                masks[(uy / 8) * sb_cols + ux / 8] >> bit & 1 != 0;
              assert_eq!(
                unchanged,
                !unit_differs(&after, &before, ux, uy),
                "{width}x{height} {cs:?}: plane {plane} ({x}, {y}) changed, \
                 unit ({ux}, {uy})"
              );
            }
          }
        }
      }
    }
  }
}
