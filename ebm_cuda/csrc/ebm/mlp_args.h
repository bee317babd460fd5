// The plain-data request of the fused MLP Langevin chain (CPU): K ULA steps on
//     E(x) = w_outᵀ φ(W_L φ(… φ(W_1 x + b_1) …) + b_L) + b_out,   φ = SiLU,
// for every row of x0, in one call (see cpu/cpu_mlp.cpp for the algorithm).
//
// Like ChainArgs, tensors cross as data_ptr() integers (float32, row-major, contiguous), and
// the matrix products go through `sgemm`, the address of a Fortran-convention BLAS sgemm_ (the
// one torch's CPU library exports — MKL in the x86 wheels), so no libtorch link is needed.
#pragma once

#include <cstdint>
#include <vector>

namespace ebm {

struct MlpChainArgs {
  int64_t chains = 0;
  int64_t dim = 0;                 // d = H_0
  std::vector<int64_t> widths;     // H_1 … H_L (L ≥ 1 hidden layers)
  std::vector<uintptr_t> weights;  // W_l, (H_l, H_{l−1}) row-major, l = 1 … L
  std::vector<uintptr_t> biases;   // b_l, (H_l,)
  uintptr_t w_out = 0;             // (H_L,)
  double b_out = 0;

  int64_t n_steps = 0;
  int64_t burn_in = 0;
  int64_t thin = 1;
  bool record_trajectory = false;
  double step_size = 0;
  double noise_scale = 1;
  double clamp = 0;
  bool has_clamp = false;
  uint64_t seed = 0;

  // x0, samples (chains, d); energy_out (chains,) or 0 (no final energy pass); divergent uint8 (chains,);
  // trajectory (chains, n_kept, d), chain-major.
  uintptr_t x0 = 0, samples = 0, energy_out = 0, divergent = 0, trajectory = 0;

  uintptr_t sgemm = 0;        // void sgemm_(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
  int n_threads = 0;          // 0: OpenMP's default
  int64_t block_chains = 0;   // chains per block (a multiple of 16); 0: sized for the L2 cache
};

}  // namespace ebm
