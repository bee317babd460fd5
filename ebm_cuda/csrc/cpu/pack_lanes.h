// PackLanes<T>: the CPU backend's lane type — one SIMD vector holds the values of `width`
// chains, so the single-source math (csrc/ebm) advances that many chains per instruction.
//
// Built on the GCC/Clang vector extension (`vector_size`): arithmetic, comparisons (−1/0 masks),
// shifts and `m ? a : b` act lane by lane. A vector is one native register of the target (16
// floats with AVX-512, 8 with AVX2, 4 with SSE2/NEON). The same source is compiled once per
// instruction-set level and picked at run time (cpu_dispatch.cpp).
#pragma once

#include <cmath>
#include <cstdint>

#include "../ebm/lanes.h"
#include "../ebm/philox.h"

#if !defined(__GNUC__)
#error "the CPU backend needs the GCC/Clang vector extension and __builtin_bit_cast (GCC >= 11, Clang >= 12)"
#endif
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the CPU backend's 32x32->64-bit lane multiply assumes a little-endian target"
#endif

namespace ebm::cpu {

// One native register per vector: 64 bytes with AVX-512, 32 with AVX, 16 otherwise (SSE2,
// NEON). Wider vectors than the target has are split by the compiler, which costs far more
// (spills) than the extra instruction-level parallelism gains.
#if defined(__AVX512F__)
#define EBM_VECTOR_BYTES 64
#elif defined(__AVX__)
#define EBM_VECTOR_BYTES 32
#else
#define EBM_VECTOR_BYTES 16
#endif
constexpr int kVectorBytes = EBM_VECTOR_BYTES;

/// The vector types of PackLanes<T> (spelled out per T: GCC needs non-dependent vector sizes).
template <class T>
struct PackTypes;
template <>
struct PackTypes<float> {
  typedef float V __attribute__((vector_size(EBM_VECTOR_BYTES)));
  typedef int32_t I __attribute__((vector_size(EBM_VECTOR_BYTES)));
  typedef uint32_t U __attribute__((vector_size(EBM_VECTOR_BYTES)));
  typedef int32_t SignedU __attribute__((vector_size(EBM_VECTOR_BYTES)));
};
template <>
struct PackTypes<double> {
  typedef double V __attribute__((vector_size(EBM_VECTOR_BYTES)));
  typedef int64_t I __attribute__((vector_size(EBM_VECTOR_BYTES)));
  typedef uint32_t U __attribute__((vector_size(EBM_VECTOR_BYTES / 2)));
  typedef int32_t SignedU __attribute__((vector_size(EBM_VECTOR_BYTES / 2)));
};

template <class T>
struct PackLanes {
  using Real = T;
  static constexpr int width = kVectorBytes / sizeof(T);
  using V = typename PackTypes<T>::V;
  using I = typename PackTypes<T>::I;
  using U = typename PackTypes<T>::U;
  using M = I;
  using Count = I;

  static inline V splat(T x) { return V{} + x; }
  static inline U splat_u(uint32_t x) { return U{} + x; }
  static inline M all_true() { return I{} - 1; }
  static inline M all_false() { return I{}; }
  static inline V select(M m, V a, V b) { return m ? a : b; }
  static inline V sqrt(V x) {
    V r;
    for (int i = 0; i < width; ++i) r[i] = std::sqrt(x[i]);  // vsqrtp* with -fno-math-errno
    return r;
  }
  static inline M not_finite(V x) { return (x - x) != V{}; }
  static inline I as_bits(V x) { return __builtin_bit_cast(I, x); }
  static inline V from_bits(I i) { return __builtin_bit_cast(V, i); }
  static inline V to_real(I i) { return __builtin_convertvector(i, V); }
  static inline I trunc_to_int(V x) { return __builtin_convertvector(x, I); }
  static inline V u32_to_real(U u) {
    if constexpr (sizeof(T) == 4) {
      // Only called with values below 2^25: the signed conversion is exact and has an instruction.
      using S = typename PackTypes<T>::SignedU;
      return __builtin_convertvector(__builtin_bit_cast(S, u), V);
    } else {
      return __builtin_convertvector(u, V);
    }
  }
  static inline void count_if(Count& c, M m) { c -= m; }  // masks are −1 where true
  /// uint32 lanes 0, 1, …, width − 1.
  static inline U iota() {
    U r;
    for (int i = 0; i < width; ++i) r[i] = static_cast<uint32_t>(i);
    return r;
  }
};

}  // namespace ebm::cpu

namespace ebm {

/// hi:lo = a · m per uint32 lane, through 64-bit lanes: even lanes are the low halves of the
/// 64-bit lanes, odd lanes the high halves (little-endian), so two unsigned 32×32 → 64 multiplies
/// (pmuludq on x86) cover all lanes without widening conversions.
#define EBM_VECTOR_MULHILO32(BYTES)                                                  \
  template <>                                                                         \
  struct MulHiLo32<uint32_t __attribute__((vector_size(BYTES)))> {                   \
    typedef uint32_t U __attribute__((vector_size(BYTES)));                           \
    typedef uint64_t U64 __attribute__((vector_size(BYTES)));                         \
    static inline void apply(U a, uint32_t m, U& hi, U& lo) {                         \
      const U64 wide = __builtin_bit_cast(U64, a);                                    \
      const U64 even = (wide & 0xFFFFFFFFull) * m;                                    \
      const U64 odd = (wide >> 32) * m;                                               \
      hi = __builtin_bit_cast(U, (even >> 32) | (odd & 0xFFFFFFFF00000000ull));       \
      lo = __builtin_bit_cast(U, (even & 0xFFFFFFFFull) | (odd << 32));               \
    }                                                                                 \
  };

EBM_VECTOR_MULHILO32(EBM_VECTOR_BYTES)      // PackLanes<float>::U
EBM_VECTOR_MULHILO32(EBM_VECTOR_BYTES / 2)  // PackLanes<double>::U
#undef EBM_VECTOR_MULHILO32

}  // namespace ebm
