// The chain driver: K steps of one sampler on one energy, burn-in, thinning, acceptance.
//
// Shared by both backends; a launcher builds the step object over its own storage (SIMD block
// scratch on the CPU, registers or interleaved scratch on the GPU), loads x₀ into step.x, calls
// run_chain with a `record(k, x)` callback for the trajectory, and stores the outcome.
#pragma once

#include <cstdint>

#include "hd.h"
#include "philox.h"

namespace ebm {

/// Which steps count and which states are kept (see ebm_core.kernels.ChainRequest).
struct ChainSchedule {
  int64_t n_steps;
  int64_t burn_in;  // steps 0 … burn_in − 1 are neither counted nor recorded
  int64_t thin;     // after burn-in, every thin-th state is recorded: steps burn_in + thin − 1, …
  bool record;
};

/// Per-lane result of a chain.
template <class L>
struct ChainOutcome {
  typename L::V energy;       // E at the final state
  typename L::Count accepted; // accepted proposals after burn-in
  typename L::M divergent;    // the chain diverged (see state_non_finite)
};

/// Per lane: the chain's state x, its gradient g = ∇E(x) or — for samplers that carry it — its
/// energy E(x) has a ±inf or NaN element. This is ebm's definition of divergence (see
/// ebm_core.sampling.divergence): checked after the start and after every step, burn-in
/// included, and sticky; the torch path checks the same three quantities at the same points.
template <class L, class Step>
EBM_HD_INLINE typename L::M state_non_finite(Step& step) {
  typename L::M bad = step.energy_non_finite();
  for (int j = 0; j < step.d; ++j) bad = bad | L::not_finite(step.x[j]) | L::not_finite(step.g[j]);
  return bad;
}

/// Runs `schedule.n_steps` steps of `step` from the state already in step.x.
///
/// Step t (0-based) uses Philox counters (·, chain, t, ·). After burn-in the k-th recorded state
/// (k = 0, 1, …) is the state after step burn_in + (k + 1)·thin − 1, so exactly
/// (n_steps − burn_in) / thin states are recorded.
template <class L, class Step, class Energy, class Record>
EBM_HD_INLINE ChainOutcome<L> run_chain(Step& step, const Energy& f, const ChainSchedule& schedule,
                                        PhiloxKey key, typename L::U chain, Record&& record) {
  using M = typename L::M;
  step.init(f);
  M divergent = state_non_finite<L>(step);
  typename L::Count accepted{};
  int64_t kept = 0;
  int64_t until_record = schedule.thin;
  for (int64_t t = 0; t < schedule.n_steps; ++t) {
    const M accept = step.advance(f, key, chain, static_cast<uint64_t>(t));
    divergent = divergent | state_non_finite<L>(step);
    if (t >= schedule.burn_in) {
      L::count_if(accepted, accept);
      if (--until_record == 0) {
        until_record = schedule.thin;
        if (schedule.record) record(kept++, step.x);
      }
    }
  }
  const typename L::V e = step.final_energy(f);
  divergent = divergent | L::not_finite(e);
  return ChainOutcome<L>{e, accepted, divergent};
}

}  // namespace ebm
