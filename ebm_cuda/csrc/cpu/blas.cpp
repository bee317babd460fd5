// See blas.h.
#include "blas.h"

namespace ebm::cpu {

void gemm_rowmajor(Sgemm sgemm, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                   const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                   int64_t ldc) {
  // A row-major matrix is the column-major storage of its transpose, so row-major
  // C = op(A) op(B) is column-major Cᵀ = op(B)ᵀ op(A)ᵀ: swap the operands and (m, n).
  // The integers are 64-bit and passed by address: an LP64 BLAS reads their low 32 bits (this
  // backend is little-endian only, see pack_lanes.h), an ILP64 BLAS the whole value.
  const char op_b = trans_b ? 'T' : 'N';
  const char op_a = trans_a ? 'T' : 'N';
  const float one = 1.0f;
  const float zero = 0.0f;
  const auto i = [](const int64_t& v) { return reinterpret_cast<const int*>(&v); };
  sgemm(&op_b, &op_a, i(n), i(m), i(k), &one, b, i(ldb), a, i(lda), &zero, c, i(ldc));
}

}  // namespace ebm::cpu
