// Copyright (c) 2026, The rlvideo contributors. All rights reserved
//
// This source code is subject to the terms of the BSD 2 Clause License and
// the Alliance for Open Media Patent License 1.0. If the BSD 2 Clause License
// was not distributed with this source code in the LICENSE file, you can
// obtain it at www.aomedia.org/license/software. If the Alliance for Open
// Media Patent License 1.0 was not distributed with this source code in the
// PATENTS file, you can obtain it at www.aomedia.org/license/patent.

//! The first parts of a real-time mode decision for changed blocks (rlvideo
//! delta): `SpeedSettings::fast_inter_decision` and
//! `SpeedSettings::skip_ends_split`.
//!
//! rav1e decides a changed block by coding every candidate in full:
//! prediction of three planes, transform, quantisation, the entropy coder's
//! real rate, reconstruction and distortion, once as a skip and once with
//! coefficients, at every partition level the search visits. Real-time
//! encoders (libaom's non-RD pick mode, SVT-AV1's light PD1) rank the
//! candidates cheaply and code one. These settings take the two steps that
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
  satd.saturating_add((fi.me_lambda * 0.5 * f64::from(bits)) as u32)
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
