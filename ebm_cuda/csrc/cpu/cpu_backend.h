// The CPU backend's entry points.
//
// cpu_kernels.cpp is compiled once per instruction-set level (namespace EBM_CPU_ISA, e.g.
// x86_64_v3 with -march=x86-64-v3); cpu_dispatch.cpp picks the best level the running CPU
// supports. Results for a given seed are identical at every level and thread count: the
// sources are compiled with -ffp-contract=off (no fused multiply-add contraction) and the RNG is
// counter-based.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../ebm/args.h"
#include "../ebm/conv_stem_args.h"
#include "../ebm/mlp_args.h"

#define EBM_DECLARE_CPU_BACKEND(isa)                                                     \
  namespace ebm::cpu::isa {                                                              \
  void run_chains(const ChainArgs& args);                                                \
  void langevin_update(const UpdateArgs& args);                                          \
  void sample_normals(DType dtype, uintptr_t out, int64_t chains, int64_t dim, uint64_t seed, \
                      uint64_t step);                                                    \
  void run_mlp_langevin(const MlpChainArgs& args);                                       \
  void conv_stem_forward(const ConvStemArgs& args);                                      \
  void conv_stem_backward(const ConvStemArgs& args);                                     \
  }

EBM_DECLARE_CPU_BACKEND(baseline)
EBM_DECLARE_CPU_BACKEND(x86_64_v3)
EBM_DECLARE_CPU_BACKEND(x86_64_v4)

#undef EBM_DECLARE_CPU_BACKEND

namespace ebm::cpu {

/// Runs the fused chains described by `args` (host pointers) with OpenMP over chains.
void run_chains(const ChainArgs& args);

/// One fused Langevin update of args.x in place.
void langevin_update(const UpdateArgs& args);

/// K fused ULA steps on an MLP energy with SiLU (cpu_mlp.cpp), OpenMP over blocks of chains.
void run_mlp_langevin(const MlpChainArgs& args);

/// The fused first convolution + SiLU of a conv energy (cpu_conv_stem.cpp): a = SiLU(conv(x)).
void conv_stem_forward(const ConvStemArgs& args);

/// Its input gradient: ∇ₓ = convᵀ(g ⊙ SiLU′(conv(x))), z recomputed from x.
void conv_stem_backward(const ConvStemArgs& args);

/// out (chains, dim) ← the standard normals the chain kernels draw for (chain, step).
void sample_normals(DType dtype, uintptr_t out, int64_t chains, int64_t dim, uint64_t seed,
                    uint64_t step);

/// The instruction-set level in use ("baseline", "x86-64-v3", "x86-64-v4").
std::string active_isa();

/// The levels this build contains, best first.
std::vector<std::string> built_isas();

/// The built levels this CPU can run (any of them can be forced with EBM_CUDA_CPU_ISA).
std::vector<std::string> supported_isas();

}  // namespace ebm::cpu
