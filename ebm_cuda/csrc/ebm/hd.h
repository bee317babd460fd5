// Host/device annotations shared by every header under csrc/ebm.
//
// The per-chain math is written once. Compiled by nvcc, functions marked EBM_HD are
// `__host__ __device__`; compiled by a plain C++17 compiler they are ordinary inline
// functions. EBM_HD_INLINE additionally asks for inlining, which the CPU backend relies on
// so that a whole chain step becomes one straight-line SIMD loop body.
#pragma once

#if defined(__CUDACC__)
#define EBM_HD __host__ __device__
#define EBM_HD_INLINE __host__ __device__ __forceinline__
#else
#define EBM_HD
#if defined(__GNUC__)
#define EBM_HD_INLINE inline __attribute__((always_inline))
#else
#define EBM_HD_INLINE inline
#endif
#endif
