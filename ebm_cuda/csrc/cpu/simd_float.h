// Float SIMD helpers shared by the CPU kernels that run neural energies (cpu_mlp.cpp,
// cpu_conv_stem.cpp): one vector V of kW floats (PackLanes<float>, one native register), loads
// and stores, eˣ, a fast reciprocal and the sigmoid built from them; and the OpenMP team size
// every CPU launcher uses (cpu_kernels.cpp too).
//
// Included by sources compiled once per instruction-set level (namespace EBM_CPU_ISA).
#pragma once

#include <cstdint>
#include <cstring>

#if defined(_OPENMP)
#include <omp.h>
#endif
#if defined(__AVX__)
#include <immintrin.h>
#endif

#include "pack_lanes.h"

#ifndef EBM_CPU_ISA
#error "compile with -DEBM_CPU_ISA=<namespace> (see CMakeLists.txt)"
#endif

namespace ebm::cpu::EBM_CPU_ISA::simd {

using L = PackLanes<float>;
using V = L::V;
constexpr int kW = L::width;

inline V splat(float v) { return V{} + v; }
inline V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, V v) { std::memcpy(p, &v, sizeof v); }
/// Σ of the lanes, pairwise (lane i + lane i + W/2, …): log₂W dependent adds instead of W.
inline float hsum(V v) {
  float t[kW];
  std::memcpy(t, &v, sizeof t);
  for (int w = kW / 2; w >= 1; w /= 2)
    for (int i = 0; i < w; ++i) t[i] += t[i + w];
  return t[0];
}
inline int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

/// eˣ, Cephes expf: x = n ln 2 + r with |r| ≤ ½ ln 2, a degree-6 polynomial in r (≤ 2 ulp).
/// x is clamped to [−87, 88] (no overflow to inf, no denormal scale); NaN stays NaN.
inline V exp_v(V x) {
  x = x > splat(88.0f) ? splat(88.0f) : x;
  x = x < splat(-87.0f) ? splat(-87.0f) : x;
  const V n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest
  V r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  V p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const V e = p * r * r + r + 1.0f;
  const L::U bits = (__builtin_bit_cast(L::U, __builtin_convertvector(n, L::I)) + 127u) << 23;
  return e * __builtin_bit_cast(V, bits);
}

/// 1/x for x ≥ 1: the hardware estimate refined by one Newton step, r (2 − x r) (≈ 1 ulp); a
/// division costs 10–20 cycles per vector and was the largest share of the MLP kernel.
inline V reciprocal(V x) {
#if defined(__AVX512F__)
  const V r = __builtin_bit_cast(V, _mm512_rcp14_ps(__builtin_bit_cast(__m512, x)));
  return r * (splat(2.0f) - x * r);
#elif defined(__AVX__)
  const V r = __builtin_bit_cast(V, _mm256_rcp_ps(__builtin_bit_cast(__m256, x)));
  return r * (splat(2.0f) - x * r);
#else
  return splat(1.0f) / x;
#endif
}

inline V sigmoid(V u) { return reciprocal(splat(1.0f) + exp_v(-u)); }

/// SiLU′(u) = σ(u) (1 + u (1 − σ(u))), given σ = σ(u).
inline V silu_slope(V u, V sig) { return sig * (splat(1.0f) + u * (splat(1.0f) - sig)); }

/// The OpenMP team size for a request of `requested` threads (0: OpenMP's default).
inline int thread_count(int requested) {
#if defined(_OPENMP)
  return requested > 0 ? requested : omp_get_max_threads();
#else
  (void)requested;
  return 1;
#endif
}

}  // namespace ebm::cpu::EBM_CPU_ISA::simd
