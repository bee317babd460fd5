// Lane types: how the single-source math sees "one value per chain".
//
// Every function in csrc/ebm is a template over a lane type L. L::V holds one real value per
// chain being advanced together: a plain float/double for ScalarLanes (one CUDA thread per
// chain, or scalar host code), a SIMD vector for the CPU backend's PackLanes (cpu/pack_lanes.h),
// where one call advances L::width chains in lock step. Code written against the interface
// below is branch-free per lane (select instead of if), so both instantiations compute the
// same thing.
//
//   Real            the scalar type (float or double)
//   V, I, U, M      real lanes, signed integer lanes of the same width as Real, uint32 lanes,
//                   comparison masks (the type of `a < b` on V)
//   Count           per-lane counters (accepted proposals)
//   splat(x), splat_u(u)     broadcast a real / a uint32
//   all_true(), all_false()  constant masks
//   select(m, a, b)          per lane: m ? a : b
//   sqrt, not_finite, as_bits / from_bits (reinterpret), to_real (I → V), trunc_to_int (V → I),
//   u32_to_real (U → V, exact for values below 2^24 in float and for any uint32 in double),
//   count_if(c, m)  c += m per lane
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "hd.h"

namespace ebm {

/// Integer type with the width of a real type.
template <class T>
struct SameWidthInt;
template <>
struct SameWidthInt<float> {
  using type = int32_t;
};
template <>
struct SameWidthInt<double> {
  using type = int64_t;
};

/// One chain per lane set: used by the CUDA backend (one thread per chain) and host tests.
template <class T>
struct ScalarLanes {
  using Real = T;
  using V = T;
  using I = typename SameWidthInt<T>::type;
  using U = uint32_t;
  using M = bool;
  using Count = int64_t;
  static constexpr int width = 1;

  static EBM_HD_INLINE V splat(T x) { return x; }
  static EBM_HD_INLINE U splat_u(uint32_t x) { return x; }
  static EBM_HD_INLINE M all_true() { return true; }
  static EBM_HD_INLINE M all_false() { return false; }
  static EBM_HD_INLINE V select(M m, V a, V b) { return m ? a : b; }
  static EBM_HD_INLINE V sqrt(V x) { return ::sqrt(x); }
  /// True for ±inf and NaN: x − x is 0 exactly when x is finite.
  static EBM_HD_INLINE M not_finite(V x) { return (x - x) != V(0); }
  static EBM_HD_INLINE I as_bits(V x) {
#if defined(__CUDA_ARCH__)
    if constexpr (sizeof(T) == 4) {
      return __float_as_int(x);
    } else {
      return __double_as_longlong(x);
    }
#else
    I bits;
    std::memcpy(&bits, &x, sizeof bits);
    return bits;
#endif
  }
  static EBM_HD_INLINE V from_bits(I bits) {
#if defined(__CUDA_ARCH__)
    if constexpr (sizeof(T) == 4) {
      return __int_as_float(bits);
    } else {
      return __longlong_as_double(bits);
    }
#else
    V x;
    std::memcpy(&x, &bits, sizeof x);
    return x;
#endif
  }
  static EBM_HD_INLINE V to_real(I i) { return static_cast<V>(i); }
  static EBM_HD_INLINE I trunc_to_int(V x) { return static_cast<I>(x); }
  static EBM_HD_INLINE V u32_to_real(U u) { return static_cast<V>(u); }
  static EBM_HD_INLINE void count_if(Count& c, M m) { c += m ? 1 : 0; }
};

}  // namespace ebm
