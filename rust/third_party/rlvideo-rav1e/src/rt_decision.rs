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
//! `SpeedSettings::skip_ends_split` and `SpeedSettings::fast_intra_decision`.
//!
//! rav1e decides a changed block by coding every candidate in full:
//! prediction of three planes, transform, quantisation, the entropy coder's
//! real rate, reconstruction and distortion, once as a skip and once with
//! coefficients, at every partition level the search visits. Real-time
//! encoders (libaom's non-RD pick mode, SVT-AV1's light PD1) rank the
//! candidates cheaply and code one. These settings take the steps that
//! measured cheapest in bytes; `RLVIDEO-DELTA.md` has the numbers.

use crate::encoder::FrameInvariants;
use crate::mc::MotionVector;
use crate::me::get_mv_rate;
use crate::predict::PredictionMode;
use crate::static_skip::BlockChange;
use crate::util::Pixel;

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
  /// `fast_intra_decision`: every mode ranked, the best coded in full if
  /// it out-ranks the best inter candidate's rank, when there is one.
  Fast { inter_rank: Option<u32> },
}

/// How a block is tried intra. A changed block gets rav1e's search: one
/// intra mode coded instead cost the pan of `tests/test_static_cost.py`,
/// where every block moves, 1.8% more bytes. A block partly unchanged since
/// LAST is not tried (zero motion from LAST predicts the unchanged part
/// exactly), unless `fast_intra_decision` makes that cheap: CarRacing's
/// moving camera around a still car and HUD needs intra there. Its best
/// mode is coded only if it clearly out-ranks the best inter candidate
/// (SATD and bits both ways, [`intra_outranks`]).
pub(crate) fn intra_try<T: Pixel>(
  fi: &FrameInvariants<T>, change: BlockChange, inter_rank: Option<u32>,
) -> IntraTry {
  if !change.is_mixed() {
    IntraTry::Full
  } else if fi.config.speed_settings.fast_intra_decision {
    IntraTry::Fast { inter_rank }
  } else {
    IntraTry::No
  }
}

/// Whether a partly unchanged block's best intra mode (`intra_rank`, from
/// [`intra_mode_cost`]) is worth coding against its best inter candidate
/// (`inter_rank`, from [`inter_candidate_cost`]): it must rank a quarter
/// better. At any better rank, intra won the full comparison where its
/// prediction was only a little better and cost Pendulum's first 40
/// frames 2.6% more bytes at 0.08 dB less; with the quarter, CarRacing
/// keeps -5.7% of the -6.6% (Bjontegaard).
///
/// The other way is wrong too, because both ranks are luma only: where a
/// red 8x8 sprite crosses a gradient, the blocks it uncovers rank intra up
/// to a quarter *worse* than copying LAST (its 4:2:0 chroma smear is what
/// inter copies), rav1e's full RD picks intra there, and without it the
/// trail is repeated until the next key frame
/// (`tests/test_faithful.py::test_a_sprite_that_stops_leaves_no_trail`,
/// gradient: 33.8 dB against 42.1). Coding intra unless it ranks over a
/// quarter worse fixes that (+2.7 dB) but costs Pendulum 2.5% and CartPole
/// 0.5% more bytes, 2-5% more instructions: chroma belongs in both ranks.
pub(crate) fn intra_outranks(intra_rank: u32, inter_rank: u32) -> bool {
  u64::from(intra_rank) * 4 < u64::from(inter_rank) * 3
}

/// Whether `skip_ends_split` applies to a block that changed this much
/// since LAST: it is tried whole first, and a skip ends its search. Only
/// blocks that changed everywhere: on partly changed ones (CartPole's pole
/// over a still background) a whole-block skip hides the change, and
/// stopping there cost balanced CartPole 2.6% more bytes (Bjontegaard).
pub(crate) fn skip_ends_split<T: Pixel>(
  fi: &FrameInvariants<T>, change: BlockChange,
) -> bool {
  fi.config.speed_settings.skip_ends_split && change == BlockChange::Changed
}
