// Philox4x32-10: the counter-based random number generator of Salmon, Moraes, Dror and Shaw,
// "Parallel random numbers: as easy as 1, 2, 3" (SC'11), written from the published algorithm.
//
// A 128-bit counter (c0, c1, c2, c3) and a 64-bit key (k0, k1) map to 128 random bits through
// ten rounds of
//
//     (hi0, lo0) = M0 · c0          (32×32 → 64-bit product, split in halves)
//     (hi1, lo1) = M1 · c2
//     (c0, c1, c2, c3) ← (hi1 ⊕ c1 ⊕ k0,  lo1,  hi0 ⊕ c3 ⊕ k1,  lo0)
//     (k0, k1) ← (k0 + W0, k1 + W1)  (Weyl sequence, mod 2³²)
//
// with M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9 (golden ratio), W1 = 0xBB67AE85
// (√3 − 1). The generator is stateless: any (counter, key) can be evaluated independently, so
// every chain, step and block of normals has its own counter and the output does not depend on
// how work is mapped to threads, SIMD lanes or GPU blocks.
//
// The counter word type U is a template parameter: uint32_t on the GPU and in scalar host code,
// a SIMD vector of uint32 lanes in the CPU backend (which specialises MulHiLo32 for it).
#pragma once

#include <cstdint>

#include "hd.h"

namespace ebm {

constexpr uint32_t kPhiloxM0 = 0xD2511F53u;
constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;
constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;
constexpr int kPhiloxRounds = 10;

/// The 64-bit key: the user's seed.
struct PhiloxKey {
  uint32_t k0;
  uint32_t k1;

  static EBM_HD_INLINE PhiloxKey from_seed(uint64_t seed) {
    return PhiloxKey{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  }
};

/// hi:lo = a · m as a 64-bit product. Specialised for SIMD lane types by the CPU backend.
template <class U>
struct MulHiLo32 {
  static EBM_HD_INLINE void apply(U a, uint32_t m, U& hi, U& lo) {
#if defined(__CUDA_ARCH__)
    hi = __umulhi(a, m);
    lo = a * m;
#else
    const uint64_t product = static_cast<uint64_t>(a) * m;
    hi = static_cast<uint32_t>(product >> 32);
    lo = static_cast<uint32_t>(product);
#endif
  }
};

/// Four 32-bit words: a Philox counter going in, random bits coming out.
template <class U>
struct Words4 {
  U w0, w1, w2, w3;
};

/// Philox4x32-10 of counter `c` under `key`.
template <class U>
EBM_HD_INLINE Words4<U> philox4x32_10(Words4<U> c, PhiloxKey key) {
  uint32_t k0 = key.k0;
  uint32_t k1 = key.k1;
#if defined(__CUDACC__)
#pragma unroll
#elif defined(__GNUC__)
#pragma GCC unroll 10
#endif
  for (int round = 0; round < kPhiloxRounds; ++round) {
    U hi0, lo0, hi1, lo1;
    MulHiLo32<U>::apply(c.w0, kPhiloxM0, hi0, lo0);
    MulHiLo32<U>::apply(c.w2, kPhiloxM1, hi1, lo1);
    c = Words4<U>{hi1 ^ c.w1 ^ k0, lo1, hi0 ^ c.w3 ^ k1, lo0};
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  return c;
}

/// The counter layout every ebm kernel uses: (block, chain, step mod 2³², step / 2³²).
///
/// `block` numbers the groups of draws one chain needs in one step (normals 0–3 are block 0 in
/// float32, …; kAcceptBlock holds the Metropolis–Hastings uniform and kJitterBlock HMC's
/// step-size jitter uniform), so no two draws of a run share a counter.
template <class U>
EBM_HD_INLINE Words4<U> philox_draw(PhiloxKey key, U block, U chain, uint64_t step) {
  // U{} + v broadcasts v to every lane (a no-op for a scalar U).
  const U step_lo = U{} + static_cast<uint32_t>(step);
  const U step_hi = U{} + static_cast<uint32_t>(step >> 32);
  return philox4x32_10(Words4<U>{block, chain, step_lo, step_hi}, key);
}

/// The block index reserved for the accept/reject uniform of MALA and HMC.
constexpr uint32_t kAcceptBlock = 0xFFFFFFFFu;

/// The block index reserved for the uniform of HMC's step-size jitter (drawn only when j > 0).
constexpr uint32_t kJitterBlock = 0xFFFFFFFEu;

}  // namespace ebm
