// Copyright (c) 2026, The rlvideo contributors. All rights reserved
//
// This source code is subject to the terms of the BSD 2 Clause License and
// the Alliance for Open Media Patent License 1.0. If the BSD 2 Clause License
// was not distributed with this source code in the LICENSE file, you can
// obtain it at www.aomedia.org/license/software. If the Alliance for Open
// Media Patent License 1.0 was not distributed with this source code in the
// PATENTS file, you can obtain it at www.aomedia.org/license/patent.

//! The first parts of a real-time mode decision for changed blocks (rlvideo
//! delta): `SpeedSettings::fast_inter_decision`,
//! `SpeedSettings::skip_ends_split`, `SpeedSettings::fast_intra_decision`,
//! `SpeedSettings::fast_changed_intra`,
//! `SpeedSettings::fast_edge_partition` and
//! `SpeedSettings::cheap_whole_ends_split`.
//!
//! rav1e decides a changed block by coding every candidate in full:
//! prediction of three planes, transform, quantisation, the entropy coder's
//! real rate, reconstruction and distortion, once as a skip and once with
//! coefficients, at every partition level the search visits. Real-time
//! encoders (libaom's non-RD pick mode, SVT-AV1's light PD1) rank the
//! candidates cheaply and code one. These settings take the steps that
//! measured cheapest in bytes; `RLVIDEO-DELTA.md` has the numbers.

use crate::api::ChromaSampling;
use crate::context::has_chroma;
use crate::context::TileBlockOffset;
use crate::dist::get_satd;
use crate::encoder::FrameInvariants;
use crate::frame::PlaneConfig;
use crate::mc::MotionVector;
use crate::me::get_mv_rate;
use crate::partition::{get_intra_edges, BlockSize, IntraEdge, RefType};
use crate::predict::{IntraEdgeFilterParameters, IntraParam, PredictionMode};
use crate::rdo::{PartitionGroupParameters, PartitionParameters};
use crate::static_skip::BlockChange;
use crate::tiling::{Area, TileStateMut};
use crate::util::{Aligned, Pixel};

/// Whether at least half of the superblock being coded (its 8x8 blocks in
/// the frame) is unchanged since LAST: its changed blocks are then a change
/// amid still content, which static skip repeats once it stops changing,
/// so they keep rav1e's intra search. With one intra mode coded there, a
/// sprite's trail over a gradient came out 0.9 dB under the encode without
/// static skip (`tests/test_faithful.py`, 0.3 allowed); with rav1e's search
/// wherever any of the superblock was unchanged, HalfCheetah, whose
/// tracking camera leaves a still sky in most superblocks, kept all of its
/// cost (-0.1% instructions instead of -23%).
fn superblock_mostly_unchanged<T: Pixel>(ts: &TileStateMut<'_, T>) -> bool {
  (ts.static_mask & ts.static_visible).count_ones() * 2
    >= ts.static_visible.count_ones()
}

/// Whether part of the superblock being coded is unchanged since LAST
/// (static skip's mask): its changed blocks are then a change amid still
/// content, which static skip repeats once it stops, rather than content
/// that moves everywhere.
fn superblock_partly_unchanged<T: Pixel>(ts: &TileStateMut<'_, T>) -> bool {
  ts.static_mask & ts.static_visible != 0
}

/// How many of a block's inter candidates `fast_inter_decision` codes in
/// full, best ranked first ([`inter_candidate_cost`]): three for a block
/// that changed everywhere inside a superblock partly unchanged since LAST
/// (what a moving object uncovers), one elsewhere (a partly unchanged block
/// is predicted exactly by zero motion where it did not change; where every
/// block moves, a camera pan, each candidate costs the most).
///
/// The best one alone left a trail: where an 8x8 sprite crossing a smooth
/// texture uncovers the background, the best-ranked candidate coded it at
/// about twice the squared error rav1e's full search leaves, and static
/// skip then repeated that picture until the next key frame
/// (`tests/test_faithful.py::test_a_sprite_that_stops_leaves_no_trail`,
/// texture: 1.08 dB below the encode without static skip; with three, 0.30
/// dB above; two did not clear it). Three everywhere cost the 60-frame
/// pan 25% more instructions (callgrind, 1 thread); three only there: the
/// pan +0.05%, balanced CartPole 60 frames +2.4%, Breakout 60 +3.2%,
/// CarRacing 40 +2.8%. Bjontegaard delta rate of three (everywhere)
/// against one (quantizer 80-160, 1 thread): Pendulum 40 -0.9%, balanced
/// CartPole 600 -0.1%, Breakout 600 0.0%, Pong 600 +0.1%, CarRacing 300
/// -1.3%.
pub(crate) fn coded_inter_candidates<T: Pixel>(
  ts: &TileStateMut<'_, T>, change: BlockChange,
) -> usize {
  if change == BlockChange::Changed && superblock_partly_unchanged(ts) {
    3
  } else {
    1
  }
}

/// Whether `fast_inter_decision` also codes the second-ranked candidate of
/// a changed block it would code one of ([`coded_inter_candidates`]; a
/// block partly unchanged since LAST codes its best alone): when its rank ([`inter_candidate_cost`])
/// is within a twentieth of the best's, the ranks cannot tell them apart.
/// Where every block moves, coding the best alone made files bigger: on 40
/// frames of the 256x192 pan of `tests/test_static_cost.py`, +8.3% bytes
/// for the same PSNR against rav1e's search of every candidate; +3.6% with
/// this, for 14% more instructions (+3.2% within 15%, 19% more). CarRacing,
/// whose blocks are mostly partly unchanged (1 or 3 candidates already),
/// writes the same bytes.
pub(crate) const fn second_is_close(best: u32, second: u32) -> bool {
  second as u64 * 20 <= best as u64 * 21
}

/// How `fast_inter_decision` ranks an inter candidate: its luma SATD plus
/// an estimate of its mode and motion-vector bits, weighed with
/// `me_lambda` as the full-pel motion search weighs them. SATD alone (what
/// rav1e's pre-pass ranks by) picks NEWMV for noise-sized gains whose
/// vector then costs more than it saves.
pub(crate) fn inter_candidate_cost<T: Pixel>(
  fi: &FrameInvariants<T>, luma_mode: PredictionMode, mv: MotionVector,
  predicted_mv: Option<MotionVector>, satd: u32,
) -> u32 {
  // The mode's own bits, in rav1e's order of inter modes: one more per
  // step down NEARESTMV, NEAR0MV, GLOBALMV; NEWMV also pays for its vector.
  let bits = match luma_mode {
    PredictionMode::NEARESTMV => 0,
    PredictionMode::NEAR0MV => 1,
    PredictionMode::NEWMV => {
      2 + get_mv_rate(
        mv,
        predicted_mv.unwrap_or_default(),
        fi.allow_high_precision_mv,
      )
    }
    _ => 2,
  };
  rank(fi, satd, f64::from(bits))
}

/// How `fast_intra_decision` ranks an intra mode: its luma SATD plus an
/// estimate of its mode bits from the adaptive CDF's probability of it
/// (`pdf` out of 512, as `cdf_to_pdf` gives it), weighed as
/// [`inter_candidate_cost`] weighs an inter candidate's bits, so that the
/// two ranks compare.
pub(crate) fn intra_mode_cost<T: Pixel>(
  fi: &FrameInvariants<T>, pdf: u16, satd: u32,
) -> u32 {
  rank(fi, satd, (512.0 / f64::from(pdf.max(1))).log2())
}

/// A candidate's rank: its SATD plus its estimated `bits` weighed with
/// `me_lambda`, as the full-pel motion search weighs a vector's bits. One
/// function for inter and intra candidates, so that their ranks compare.
fn rank<T: Pixel>(fi: &FrameInvariants<T>, satd: u32, bits: f64) -> u32 {
  satd.saturating_add((fi.me_lambda * 0.5 * bits) as u32)
}

/// How an inter frame's block is tried intra after its inter decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntraTry {
  /// Not at all.
  No,
  /// rav1e's search: three modes, two chroma modes each, angle deltas.
  Full,
  /// `fast_intra_decision` and `fast_changed_intra`: every mode ranked,
  /// the best coded in full with its luma angle delta of least SATD
  /// ([`best_angle_delta`]) if it out-ranks the best inter candidate's
  /// rank, when there is one.
  Fast { inter_rank: Option<u32> },
}

/// How a block is tried intra. A changed block gets rav1e's search, or
/// with `fast_changed_intra` on an inter frame, its best intra mode coded
/// once: rav1e's search was 45% of the instructions of a tracking camera's
/// inter frames (480x480 HalfCheetah), but one mode coded without an angle
/// delta cost 2.5% more bytes there (Bjontegaard) and 1.8% on the pan of
/// `tests/test_static_cost.py`; with [`best_angle_delta`], see
/// RLVIDEO-DELTA.md. A block partly unchanged since
/// LAST is not tried (zero motion from LAST predicts the unchanged part
/// exactly), unless `fast_intra_decision` makes that cheap: CarRacing's
/// moving camera around a still car and HUD needs intra there. Its best
/// mode is coded only if it clearly out-ranks the best inter candidate
/// (SATD and bits both ways, [`intra_outranks`]).
pub(crate) fn intra_try<T: Pixel>(
  fi: &FrameInvariants<T>, ts: &TileStateMut<'_, T>, change: BlockChange,
  inter_rank: Option<u32>,
) -> IntraTry {
  if !change.is_mixed() {
    if fi.frame_type.has_inter()
      && fi.config.speed_settings.fast_changed_intra
      && !superblock_mostly_unchanged(ts)
    {
      IntraTry::Fast { inter_rank: None }
    } else {
      IntraTry::Full
    }
  } else if fi.config.speed_settings.fast_intra_decision {
    IntraTry::Fast { inter_rank }
  } else {
    IntraTry::No
  }
}

/// Whether a partly unchanged block's best intra mode (`intra_rank`, from
/// [`intra_mode_cost`]) is worth coding against its best inter candidate
/// (`inter_rank`, from [`inter_candidate_cost`]), both with their chroma
/// SATD where [`chroma_ranked`]: it must rank a fifth better.
///
/// Chroma, because luma alone ranked wrong where colour moved: where a red
/// 8x8 sprite crosses a gradient, the blocks it uncovers ranked intra up
/// to a quarter *worse* than copying LAST by luma (LAST's 4:2:0 chroma
/// smear of the sprite is what inter copies), rav1e's full RD picked intra
/// there, and without it the trail was repeated until the next key frame
/// (`tests/test_faithful.py::test_a_sprite_that_stops_leaves_no_trail`,
/// gradient: 34.9 dB against 38.9 without static skip; with chroma 41.6).
///
/// The margin keeps intra from winning where its prediction is only a
/// little better: at any better rank Pendulum's first 40 frames cost
/// 1.5% more bytes. Bjontegaard delta rate against the luma-only ranks
/// and the quarter margin they had (quantizer 80-160, 1 thread), a fifth /
/// a quarter: Pendulum 40 +0.2% / +0.1%, balanced CartPole 600 -0.3% /
/// -0.5%, Breakout 600 0.0% / 0.0%, CarRacing 300 -1.1% / -0.9%, Pong 600
/// 0.0% / 0.0%; but with a quarter Pong's worst 60 frames fell to 0.35 dB
/// below the encode without static skip (0.29 with a fifth, as before;
/// `test_no_ghosts_between_key_frames` allows 0.3). Instructions: see
/// RLVIDEO-DELTA.md.
pub(crate) fn intra_outranks(intra_rank: u32, inter_rank: u32) -> bool {
  u64::from(intra_rank) * 5 < u64::from(inter_rank) * 4
}

/// Whether `skip_ends_split` applies to a block that changed this much
/// since LAST: it is tried whole first, and if coded whole it leaves
/// nothing to code ([`codes_nothing`]) its search ends. Only blocks that
/// changed everywhere (every block of a key frame): on partly changed ones
/// (CartPole's pole over a still background) a whole-block skip hides the
/// change, and stopping there cost balanced CartPole 2.6% more bytes
/// (Bjontegaard).
pub(crate) fn skip_ends_split<T: Pixel>(
  fi: &FrameInvariants<T>, change: BlockChange,
) -> bool {
  fi.config.speed_settings.skip_ends_split && change == BlockChange::Changed
}

/// Whether `cheap_whole_ends_split` applies: `change` is the block's change
/// since LAST, `whole` its whole-block decision if its parent's split trial
/// made one. Its rate-distortion cost per pixel, over lambda, must be under
/// half (a fifth from 32x32 up, where a split trial searches more).
///
/// The whole-block cost sorts blocks well: on HalfCheetah's inter frames
/// (480x480, quantizer 120), rav1e split 1% of the 16x16 blocks of the
/// lowest tenth of that cost and 98% of the highest, where the variance of
/// the motion-compensated residual (libaom's real-time partition rule) did
/// not: 45-60% of them split at every variance from a sixteenth to two
/// quantizer steps squared. Thresholds measured against the setting off
/// (`encode_raw`, 1 thread, callgrind at quantizer 120; Bjontegaard delta
/// rate over 80-160): half and a fifth, HalfCheetah 10 frames -5.9%
/// instructions, +0.7% bytes, CarRacing 40 -4.1%, +0.2%, the 256x192 pan
/// -6.2%, the same bytes, balanced CartPole 60 -1.2%, -0.8%, Breakout 60
/// -3.4%, +0.1%; half everywhere: HalfCheetah -6.5%, +2.2%; 0.7 and a fifth:
/// -9.0%, +1.9%, Breakout +1.7%.
pub(crate) fn whole_is_cheap<T: Pixel>(
  fi: &FrameInvariants<T>, change: BlockChange, bsize: BlockSize,
  whole: Option<&PartitionGroupParameters>,
) -> bool {
  let Some(whole) = whole else { return false };
  let per_pixel = whole.rd_cost / (bsize.area() as f64 * fi.lambda);
  let limit = if bsize.width() >= 32 { 0.2 } else { 0.5 };
  fi.config.speed_settings.cheap_whole_ends_split
    && change == BlockChange::Changed
    && per_pixel < limit
}

/// Whether a block's decision leaves nothing to code: a skip, or no
/// coefficient at all (an intra block its prediction alone codes, as DC
/// codes a flat area; key frames have no skip). A split of such a block
/// rarely pays for its partition and mode bits. Skips alone at first; with
/// intra blocks without coefficients too (`encode_raw`, 1 thread,
/// callgrind): a one-frame 600x400 CartPole video 237 -> 212 M
/// instructions; every frame a key frame, 8 frames each, CartPole -12%,
/// CarRacing -7.6%, Breakout -7.7%, Bjontegaard delta rate (quantizer
/// 60-160) 0.0%, 0.0%, -0.1%; with inter frames (quantizer 80-160):
/// CartPole 60 frames -2.2% instructions, +0.0% bytes, Breakout 60 -3.9%,
/// +0.0%, CarRacing 40 -1.9%, -0.2%, the all-changing pan 60 0.0%, 0.0%.
pub(crate) fn codes_nothing(mode: &PartitionParameters) -> bool {
  mode.skip || !mode.has_coeff
}

/// Whether the ranks of a partly unchanged block include its chroma: only
/// when the block carries its own chroma block of at least 4x4 (4:2:0
/// blocks under 8x8 share theirs with their neighbours).
pub(crate) fn chroma_ranked<T: Pixel>(
  fi: &FrameInvariants<T>, ts: &TileStateMut<'_, T>, bsize: BlockSize,
  tile_bo: TileBlockOffset,
) -> bool {
  let PlaneConfig { xdec, ydec, .. } = ts.input.planes[1].cfg;
  fi.config.speed_settings.fast_intra_decision
    && fi.sequence.chroma_sampling != ChromaSampling::Cs400
    && bsize >= BlockSize::BLOCK_8X8
    && has_chroma(tile_bo, bsize, xdec, ydec, fi.sequence.chroma_sampling)
}

/// The SATD of both chroma planes of an inter candidate's prediction.
pub(crate) fn inter_chroma_satd<T: Pixel>(
  fi: &FrameInvariants<T>, ts: &mut TileStateMut<'_, T>, bsize: BlockSize,
  tile_bo: TileBlockOffset, mode: PredictionMode, ref_frames: [RefType; 2],
  mvs: [MotionVector; 2],
) -> u32 {
  let luma_tile_rect = ts.tile_rect();
  let mut total = 0u32;
  for p in 1..3 {
    let rec = &mut ts.rec.planes[p];
    let &PlaneConfig { xdec, ydec, .. } = rec.plane_cfg;
    let plane_bsize = bsize.subsampled_size(xdec, ydec).unwrap();
    let po = tile_bo.plane_offset(rec.plane_cfg);
    let mut region =
      rec.subregion_mut(Area::BlockStartingAt { bo: tile_bo.0 });
    mode.predict_inter(
      fi,
      luma_tile_rect.decimated(xdec, ydec),
      p,
      po,
      &mut region,
      plane_bsize.width(),
      plane_bsize.height(),
      ref_frames,
      mvs,
      &mut ts.inter_compound_buffers,
    );
    let org = ts.input_tile.planes[p]
      .subregion(Area::BlockStartingAt { bo: tile_bo.0 });
    total = total.saturating_add(get_satd(
      &org,
      &region.as_const(),
      plane_bsize.width(),
      plane_bsize.height(),
      fi.sequence.bit_depth,
      fi.cpu_feature_level,
    ));
  }
  total
}

/// The SATD of both chroma planes of an intra mode's prediction (chroma in
/// the luma mode, as rav1e tries first), over the first chroma transform
/// block as the luma rank measures the first luma one.
pub(crate) fn intra_chroma_satd<T: Pixel>(
  fi: &FrameInvariants<T>, ts: &mut TileStateMut<'_, T>, bsize: BlockSize,
  tile_bo: TileBlockOffset, mode: PredictionMode,
) -> u32 {
  let luma_tile_rect = ts.tile_rect();
  let mut total = 0u32;
  for p in 1..3 {
    let &PlaneConfig { xdec, ydec, .. } = ts.rec.planes[p].plane_cfg;
    let tx_size = bsize.largest_chroma_tx_size(xdec, ydec);
    let ief_params =
      if mode.is_directional() && fi.sequence.enable_intra_edge_filter {
        Some(IntraEdgeFilterParameters::new(
          p,
          ts.above_block_info(tile_bo, xdec, ydec),
          ts.left_block_info(tile_bo, xdec, ydec),
        ))
      } else {
        None
      };
    let rec = &mut ts.rec.planes[p];
    let po = tile_bo.plane_offset(rec.plane_cfg);
    let mut edge_buf = Aligned::uninit_array();
    let edges = get_intra_edges(
      &mut edge_buf,
      &rec.as_const(),
      tile_bo,
      0,
      0,
      bsize,
      po,
      tx_size,
      fi.sequence.bit_depth,
      None,
      fi.sequence.enable_intra_edge_filter,
      IntraParam::None,
    );
    let mut region =
      rec.subregion_mut(Area::BlockStartingAt { bo: tile_bo.0 });
    mode.predict_intra(
      luma_tile_rect.decimated(xdec, ydec),
      &mut region,
      tx_size,
      fi.sequence.bit_depth,
      &[0i16; 2],
      IntraParam::None,
      ief_params,
      &edges,
      fi.cpu_feature_level,
    );
    let org = ts.input_tile.planes[p]
      .subregion(Area::BlockStartingAt { bo: tile_bo.0 });
    total = total.saturating_add(get_satd(
      &org,
      &region.as_const(),
      tx_size.width(),
      tx_size.height(),
      fi.sequence.bit_depth,
      fi.cpu_feature_level,
    ));
  }
  total
}

/// Whether a block the frame's edge cuts tries horizontal and vertical
/// halves beside the split. rav1e tries them on every such block;
/// `fast_edge_partition` only where the edge forbids coding the block whole
/// (`must_split`: the edge crosses its first half, and AV1 then allows
/// halves along the edge or the split). Where it may be coded whole, the
/// whole block or the split won nearly always (the synthetic pan of
/// `tests/test_static_cost.py`, 320x240, 60 frames: of 590 64x64 edge
/// blocks, 4 chose vertical halves and 1 horizontal ones), and each
/// halving costs another search of the whole block's area. Instructions
/// (callgrind, 1 thread, quantizer 120): the pan -14%, Breakout 60 frames
/// -3.5%, 600x400 CarRacing 40 and CartPole 60 within 0.5%; Bjontegaard
/// delta rate (quantizer 80-160): -0.1%, 0.0%, +0.6%, 0.0%.
pub(crate) fn edge_tries_halves<T: Pixel>(
  fi: &FrameInvariants<T>, must_split: bool,
) -> bool {
  must_split || !fi.config.speed_settings.fast_edge_partition
}

/// Whether the split of a block searched bottom-up (rav1e's search for
/// superblocks the frame's edge cuts) searches a quarter that lies wholly
/// inside the frame top-down, as every other superblock is searched: one
/// decision whole against the split, recursing only into the better one,
/// rather than every level of every quarter. Its cost for the comparison
/// above is what the top-down search found (`encode_partition_topdown`).
/// With [`edge_tries_halves`], instructions: the pan -20%, Breakout 60
/// -3.7%, CarRacing 40 -0.5%; Bjontegaard delta rate +0.2%, +0.7%, +1.1%,
/// CartPole 60 0.0%. A 480x480 render (MuJoCo's default) has a 32-pixel
/// column and row of such superblocks: 13% of its area.
pub(crate) fn inside_quarter_top_down<T: Pixel>(
  fi: &FrameInvariants<T>, ts: &TileStateMut<'_, T>, partition_split: bool,
  bsize: BlockSize, bo: TileBlockOffset,
) -> bool {
  fi.config.speed_settings.fast_edge_partition
    && partition_split
    && bo.0.x + bsize.width_mi() <= ts.mi_width
    && bo.0.y + bsize.height_mi() <= ts.mi_height
}

/// The luma angle delta (-3..=3 steps of 3 degrees) whose prediction of a
/// directional `mode` has the least luma SATD, 0 on a tie: what rav1e's
/// search finds by coding the block with each delta (up to seven full
/// encodes, then seven more for chroma), found here by predicting luma
/// only. The delta's own bits are not weighed. Chroma keeps delta 0: its
/// best luma delta made HalfCheetah's files 0.2% bigger (Bjontegaard).
pub(crate) fn best_angle_delta<T: Pixel>(
  fi: &FrameInvariants<T>, ts: &mut TileStateMut<'_, T>, bsize: BlockSize,
  tile_bo: TileBlockOffset, mode: PredictionMode, edges: &IntraEdge<T>,
  ief_params: Option<IntraEdgeFilterParameters>,
) -> i8 {
  debug_assert!(mode.is_directional() && bsize >= BlockSize::BLOCK_8X8);
  let tx_size = bsize.tx_size();
  let tile_rect = ts.tile_rect();
  let rec = &mut ts.rec.planes[0];
  let org =
    ts.input_tile.planes[0].subregion(Area::BlockStartingAt { bo: tile_bo.0 });
  let mut best = (u32::MAX, 0i8);
  for delta in [0i8, -1, 1, -2, 2, -3, 3] {
    let mut region =
      rec.subregion_mut(Area::BlockStartingAt { bo: tile_bo.0 });
    mode.predict_intra(
      tile_rect,
      &mut region,
      tx_size,
      fi.sequence.bit_depth,
      &[0i16; 2],
      IntraParam::AngleDelta(delta),
      ief_params,
      edges,
      fi.cpu_feature_level,
    );
    let satd = get_satd(
      &org,
      &region.as_const(),
      tx_size.width(),
      tx_size.height(),
      fi.sequence.bit_depth,
      fi.cpu_feature_level,
    );
    if satd < best.0 {
      best = (satd, delta);
    }
  }
  best.1
}
