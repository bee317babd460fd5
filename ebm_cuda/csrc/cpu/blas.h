// Row-major matrix products through a BLAS sgemm_ handed over as an address.
//
// ebm-cuda does not link libtorch or a BLAS: the Python side finds the sgemm_ that torch's CPU
// library exports (MKL in the x86 wheels — the same GEMM torch.mm runs) and passes its address
// as an integer, like a tensor's data_ptr().
#pragma once

#include <cstdint>

namespace ebm::cpu {

/// Fortran-convention BLAS sgemm_: column-major C ← α op(A) op(B) + β C.
using Sgemm = void (*)(const char* transa, const char* transb, const int* m, const int* n,
                       const int* k, const float* alpha, const float* a, const int* lda,
                       const float* b, const int* ldb, const float* beta, float* c,
                       const int* ldc);

/// Row-major C (m × n, leading dimension ldc) ← op(A) op(B), op(X) = Xᵀ when the flag is set;
/// A is (m × k) or, transposed, (k × m) as stored, likewise B. β = 0: C is never read.
void gemm_rowmajor(Sgemm sgemm, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                   const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                   int64_t ldc);

}  // namespace ebm::cpu
