// Elementary functions for the random-number transforms, written once for every lane type.
//
// Box–Muller needs log(u) for u in (0, 1] and sin/cos(2πu) for u in [0, 1). Both are evaluated
// here with short polynomials instead of libm, so that
//   * the CPU backend vectorises them (libm calls would stay scalar),
//   * host and device run the same arithmetic, and results do not depend on the libm version.
// The polynomials are truncated Taylor series whose first omitted term is below half an ulp of
// the result in the target precision (bounds next to each one).
#pragma once

#include <cstdint>

#include "hd.h"

namespace ebm {

/// IEEE-754 layout constants of float and double.
template <class T>
struct RealBits;
template <>
struct RealBits<float> {
  static constexpr int mantissa_bits = 23;
  static constexpr int32_t exponent_bias = 127;
  static constexpr int32_t mantissa_mask = 0x007FFFFF;
  static constexpr int32_t one_bits = 0x3F800000;  // 1.0f
};
template <>
struct RealBits<double> {
  static constexpr int mantissa_bits = 52;
  static constexpr int64_t exponent_bias = 1023;
  static constexpr int64_t mantissa_mask = 0x000FFFFFFFFFFFFFLL;
  static constexpr int64_t one_bits = 0x3FF0000000000000LL;  // 1.0
};

/// ln 2 = head + tail; the head has enough trailing zero bits (9 in float, 21 in double) that
/// e · head is exact for every exponent e a uniform can have.
template <class T>
struct LogConstants;
template <>
struct LogConstants<float> {
  static constexpr double ln2_head = 0.693145751953125;          // 0x3F317200
  static constexpr double ln2_tail = 1.4286068203094172321e-06;  // ln 2 − head
};
template <>
struct LogConstants<double> {
  static constexpr double ln2_head = 6.93147180369123816490e-01;  // 0x3FE62E42FEE00000
  static constexpr double ln2_tail = 1.90821492927058770002e-10;  // ln 2 − head
};

/// log(u) for normal, positive u (the uniforms of random.h lie in [2⁻⁵³, 1]).
///
/// Write u = 2ᵉ·m with m in [1/√2, √2); then log u = e·ln 2 + log m and
/// log m = 2 atanh(s) = 2 (s + s³/3 + s⁵/5 + …) with s = (m − 1)/(m + 1), |s| ≤ 0.1716,
/// s² ≤ 0.02944. Float keeps terms to s⁹/9 (first omitted: s¹¹/11 ≈ 2e-9 relative);
/// double to s¹⁹/19 (first omitted: s²¹/21 ≈ 2e-17 relative).
template <class L>
EBM_HD_INLINE typename L::V log_unit(typename L::V u) {
  using T = typename L::Real;
  using V = typename L::V;
  using I = typename L::I;
  using B = RealBits<T>;
  const I bits = L::as_bits(u);
  const I exponent = (bits >> B::mantissa_bits) - B::exponent_bias;
  V m = L::from_bits((bits & B::mantissa_mask) | B::one_bits);  // in [1, 2)
  const auto above = m > T(1.4142135623730951);
  m = L::select(above, m * T(0.5), m);
  const V e = L::to_real(exponent) + L::select(above, L::splat(T(1)), L::splat(T(0)));
  const V s = (m - T(1)) / (m + T(1));
  const V z = s * s;
  V series;  // (log m − 2s) / (2s·z) = 1/3 + z/5 + z²/7 + …
  if constexpr (sizeof(T) == 4) {
    series = T(1.0 / 3) + z * (T(1.0 / 5) + z * (T(1.0 / 7) + z * T(1.0 / 9)));
  } else {
    series = T(1.0 / 17) + z * T(1.0 / 19);
    series = T(1.0 / 15) + z * series;
    series = T(1.0 / 13) + z * series;
    series = T(1.0 / 11) + z * series;
    series = T(1.0 / 9) + z * series;
    series = T(1.0 / 7) + z * series;
    series = T(1.0 / 5) + z * series;
    series = T(1.0 / 3) + z * series;
  }
  // e·ln 2 is split (Cody–Waite) into a head with trailing zero bits, exact when multiplied by
  // the small integer e, and a tail; the large terms are added last to limit cancellation
  // (e = −1, log m ≈ +0.35 near u = 1/√2).
  const V two_s = s + s;
  const V small = e * T(LogConstants<T>::ln2_tail) + two_s * z * series;
  return e * T(LogConstants<T>::ln2_head) + (two_s + small);
}

/// sin(2πu) and cos(2πu) for u in [0, 1).
///
/// 4u = q + r with q = round(4u) and r in [−½, ½] (exact in binary floating point), so
/// 2πu = q·π/2 + θ with θ = r·π/2 in [−π/4, π/4]; sin θ and cos θ come from their Taylor
/// series and the quadrant q mod 4 rotates them:
///   q≡0: (sin θ, cos θ)   q≡1: (cos θ, −sin θ)   q≡2: (−sin θ, −cos θ)   q≡3: (−cos θ, sin θ).
/// Float keeps sin to θ⁹/9! and cos to θ¹⁰/10! (first omitted terms ≈ 2e-9 and 1e-10);
/// double keeps sin to θ¹⁷/17! and cos to θ¹⁶/16! (≈ 1e-19 and 2e-18).
template <class L>
EBM_HD_INLINE void sincos_2pi(typename L::V u, typename L::V& sin_out, typename L::V& cos_out) {
  using T = typename L::Real;
  using V = typename L::V;
  using I = typename L::I;
  const V v = u * T(4);
  const I q = L::trunc_to_int(v + T(0.5));  // v + ½ > 0, so truncation rounds to nearest
  const V theta = (v - L::to_real(q)) * T(1.5707963267948966);
  const V z = theta * theta;
  V s, c;
  if constexpr (sizeof(T) == 4) {
    s = theta * (T(1) + z * (T(-1.0 / 6) + z * (T(1.0 / 120) + z * (T(-1.0 / 5040) +
                                                                    z * T(1.0 / 362880)))));
    c = T(1) + z * (T(-1.0 / 2) + z * (T(1.0 / 24) + z * (T(-1.0 / 720) +
                                                         z * (T(1.0 / 40320) +
                                                              z * T(-1.0 / 3628800)))));
  } else {
    s = L::splat(T(1.0 / 355687428096000.0));  // 1/17!
    s = T(-1.0 / 1307674368000.0) + z * s;      // −1/15!
    s = T(1.0 / 6227020800.0) + z * s;          // 1/13!
    s = T(-1.0 / 39916800.0) + z * s;           // −1/11!
    s = T(1.0 / 362880.0) + z * s;              // 1/9!
    s = T(-1.0 / 5040.0) + z * s;               // −1/7!
    s = T(1.0 / 120.0) + z * s;                 // 1/5!
    s = T(-1.0 / 6.0) + z * s;                  // −1/3!
    s = theta * (T(1) + z * s);
    c = L::splat(T(1.0 / 20922789888000.0));   // 1/16!
    c = T(-1.0 / 87178291200.0) + z * c;        // −1/14!
    c = T(1.0 / 479001600.0) + z * c;           // 1/12!
    c = T(-1.0 / 3628800.0) + z * c;            // −1/10!
    c = T(1.0 / 40320.0) + z * c;               // 1/8!
    c = T(-1.0 / 720.0) + z * c;                // −1/6!
    c = T(1.0 / 24.0) + z * c;                  // 1/4!
    c = T(-1.0 / 2.0) + z * c;                  // −1/2!
    c = T(1) + z * c;
  }
  const auto odd = (q & 1) != I{};
  const auto sin_negative = (q & 2) != I{};
  const auto cos_negative = ((q + 1) & 2) != I{};
  const V sin_abs = L::select(odd, c, s);
  const V cos_abs = L::select(odd, s, c);
  sin_out = L::select(sin_negative, -sin_abs, sin_abs);
  cos_out = L::select(cos_negative, -cos_abs, cos_abs);
}

}  // namespace ebm
