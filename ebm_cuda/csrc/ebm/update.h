// The fused Langevin update for any energy: x ← clamp(x − h g + σ√(2h) ξ) with g supplied
// (from autograd) and ξ drawn in the kernel.
//
// Element e of chain c at step t takes its normal from Philox block e / kNormalsPerBlock with
// counter (block, c, t): the same layout the fused chains use, so a thread, SIMD lane or GPU
// thread can own any block of any chain and the result never depends on the mapping.
#pragma once

#include <cstdint>

#include "hd.h"
#include "philox.h"
#include "random.h"

namespace ebm {

/// The kNormalsPerBlock<T> normals of one Philox block (all pairs computed).
template <class L>
EBM_HD_INLINE void block_normals(PhiloxKey key, typename L::U block, typename L::U chain,
                                 uint64_t step, typename L::V* out) {
  using T = typename L::Real;
  const auto words = philox_draw(key, block, chain, step);
  for (int k = 0; k < kNormalsPerBlock<T> / 2; ++k) normal_pair<L>(words, k, out[2 * k], out[2 * k + 1]);
}

}  // namespace ebm
