// Uniform and normal draws from Philox words, for every lane type.
//
// Uniforms. float: k = w >> 8 (24 random bits), u = k·2⁻²⁴ in [0, 1) or (k + 1)·2⁻²⁴ in (0, 1];
// double: k = (w_a >> 11)·2³² + w_b (53 random bits), u = k·2⁻⁵³ or (k + 1)·2⁻⁵³. Every value is
// exact, so the (0, 1] variant never yields 0 and log u is always finite.
//
// Normals (Box–Muller). With u₁ in (0, 1] and u₂ in [0, 1),
//     z₀ = √(−2 log u₁) · cos(2πu₂),   z₁ = √(−2 log u₁) · sin(2πu₂)
// are independent N(0, 1). One Philox block (4 words) gives two pairs in float32 and one pair in
// double precision, so normal j of a chain's step comes from block j / kNormalsPerBlock.
#pragma once

#include <cstdint>

#include "hd.h"
#include "math.h"
#include "philox.h"

namespace ebm {

template <class T>
constexpr int kNormalsPerBlock = sizeof(T) == 4 ? 4 : 2;

/// Uniform in [0, 1) from 24 bits of w (float lanes).
template <class L>
EBM_HD_INLINE typename L::V uniform_co(typename L::U w) {
  using T = typename L::Real;
  return L::u32_to_real(w >> 8) * T(1.0 / 16777216.0);
}

/// Uniform in (0, 1] from 24 bits of w (float lanes).
template <class L>
EBM_HD_INLINE typename L::V uniform_oc(typename L::U w) {
  using T = typename L::Real;
  return L::u32_to_real((w >> 8) + 1u) * T(1.0 / 16777216.0);
}

/// Uniform in [0, 1) from 53 bits of (a, b) (double lanes).
template <class L>
EBM_HD_INLINE typename L::V uniform_co(typename L::U a, typename L::U b) {
  using T = typename L::Real;
  return L::u32_to_real(a >> 11) * T(1.0 / 2097152.0) + L::u32_to_real(b) * T(0x1p-53);
}

/// Uniform in (0, 1] from 53 bits of (a, b) (double lanes).
template <class L>
EBM_HD_INLINE typename L::V uniform_oc(typename L::U a, typename L::U b) {
  using T = typename L::Real;
  return L::u32_to_real(a >> 11) * T(1.0 / 2097152.0) +
         (L::u32_to_real(b) + T(1)) * T(0x1p-53);
}

/// Box–Muller: two independent standard normals from u₁ in (0, 1] and u₂ in [0, 1).
template <class L>
EBM_HD_INLINE void box_muller(typename L::V u1, typename L::V u2, typename L::V& z0,
                              typename L::V& z1) {
  using T = typename L::Real;
  using V = typename L::V;
  const V radius = L::sqrt(T(-2) * log_unit<L>(u1));
  V s, c;
  sincos_2pi<L>(u2, s, c);
  z0 = radius * c;
  z1 = radius * s;
}

/// The k-th normal pair of a Philox block (k = 0, 1 in float; k = 0 in double).
template <class L>
EBM_HD_INLINE void normal_pair(const Words4<typename L::U>& w, int k, typename L::V& z0,
                               typename L::V& z1) {
  using T = typename L::Real;
  if constexpr (sizeof(T) == 4) {
    box_muller<L>(uniform_oc<L>(k == 0 ? w.w0 : w.w2), uniform_co<L>(k == 0 ? w.w1 : w.w3), z0,
                  z1);
  } else {
    box_muller<L>(uniform_oc<L>(w.w0, w.w1), uniform_co<L>(w.w2, w.w3), z0, z1);
  }
}

/// out[j] ← ξⱼ ~ N(0, 1) for j < d: the normals of `chain` at `step`.
///
/// Normal j is pair (j mod kNormalsPerBlock) / 2 of block j / kNormalsPerBlock; pairs past d are
/// not computed. `Out` is any indexable view (pointer, strided view).
template <class L, class Out>
EBM_HD_INLINE void fill_normals(PhiloxKey key, typename L::U chain, uint64_t step, int d,
                                Out out) {
  using T = typename L::Real;
  using V = typename L::V;
  constexpr int per_block = kNormalsPerBlock<T>;
  for (int base = 0; base < d; base += per_block) {
    const auto words =
        philox_draw(key, L::splat_u(static_cast<uint32_t>(base / per_block)), chain, step);
    for (int k = 0; k < per_block / 2 && base + 2 * k < d; ++k) {
      V z0, z1;
      normal_pair<L>(words, k, z0, z1);
      out[base + 2 * k] = z0;
      if (base + 2 * k + 1 < d) out[base + 2 * k + 1] = z1;
    }
  }
}

/// u ~ Uniform[0, 1) for HMC's step-size jitter: word 0 (float) or words 0–1 (double) of the
/// block kJitterBlock of (chain, step).
template <class L>
EBM_HD_INLINE typename L::V jitter_uniform(PhiloxKey key, typename L::U chain, uint64_t step) {
  using T = typename L::Real;
  const auto w = philox_draw(key, L::splat_u(kJitterBlock), chain, step);
  if constexpr (sizeof(T) == 4) {
    return uniform_co<L>(w.w0);
  } else {
    return uniform_co<L>(w.w0, w.w1);
  }
}

/// log u with u ~ Uniform(0, 1]: the Metropolis–Hastings test accepts when log u < log α.
template <class L>
EBM_HD_INLINE typename L::V accept_log_uniform(PhiloxKey key, typename L::U chain,
                                               uint64_t step) {
  using T = typename L::Real;
  const auto w = philox_draw(key, L::splat_u(kAcceptBlock), chain, step);
  if constexpr (sizeof(T) == 4) {
    return log_unit<L>(uniform_oc<L>(w.w0));
  } else {
    return log_unit<L>(uniform_oc<L>(w.w0, w.w1));
  }
}

}  // namespace ebm
