// The Langevin move x ← clamp(x − h g + σ √(2h) ξ), element by element.
//
// Shared by the fused ULA chain (samplers.h) and the fused update for any energy (update.h).
#pragma once

#include "hd.h"
#include "lanes.h"

namespace ebm {

/// h, σ√(2h) and the optional clamp bound, in the chain's precision.
template <class T>
struct LangevinMove {
  T h;
  T noise;  // σ √(2h)
  T bound;
  bool has_clamp;

  /// The move for step size h and noise scale σ (clamp bound used only when has_clamp).
  static EBM_HD_INLINE LangevinMove make(T h, T sigma, T bound, bool has_clamp) {
    return LangevinMove{h, sigma * ScalarLanes<T>::sqrt(T(2) * h), bound, has_clamp};
  }

  /// x − h g + σ√(2h) ξ, before clamping.
  template <class L>
  EBM_HD_INLINE typename L::V unclamped(typename L::V x, typename L::V g,
                                        typename L::V xi) const {
    return x - h * g + noise * xi;
  }

  /// y clamped to [−bound, bound] when has_clamp; NaN stays NaN (both comparisons are false).
  template <class L>
  EBM_HD_INLINE typename L::V clamp(typename L::V y) const {
    if (!has_clamp) return y;
    return L::select(y > bound, L::splat(bound), L::select(y < -bound, L::splat(-bound), y));
  }
};

}  // namespace ebm
