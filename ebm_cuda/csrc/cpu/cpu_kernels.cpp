// The CPU launchers: OpenMP over blocks of PackLanes<T>::width chains (or Langevin-update
// element groups); the math is csrc/ebm's, instantiated with SIMD lanes.
//
// Compiled once per instruction-set level; EBM_CPU_ISA names the namespace of this copy.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "../ebm/chain.h"
#include "../ebm/dispatch.h"
#include "../ebm/langevin.h"
#include "../ebm/update.h"
#include "cpu_backend.h"
#include "pack_lanes.h"
#include "simd_float.h"

#ifndef EBM_CPU_ISA
#error "compile with -DEBM_CPU_ISA=<namespace> (see CMakeLists.txt)"
#endif

namespace ebm::cpu::EBM_CPU_ISA {
namespace {

// Below this many updated elements one thread is faster than waking the OpenMP team.
constexpr int64_t kParallelElements = 1 << 14;

using simd::thread_count;

/// Runs every chain of `a`, `width` chains per SIMD block; the blocks are independent.
template <class T, class StepTag, class Energy>
void run_blocks(const ChainArgs& a, const Energy& energy_fn) {
  using L = PackLanes<T>;
  using V = typename L::V;
  using Step = typename StepTag::template type<L, V*>;
  constexpr int W = L::width;
  const int64_t n = a.chains;
  const int d = static_cast<int>(a.dim);
  const int64_t blocks = (n + W - 1) / W;

  const T* x0 = reinterpret_cast<const T*>(a.x0);
  T* samples = reinterpret_cast<T*>(a.samples);
  T* energy_out = reinterpret_cast<T*>(a.energy_out);
  int64_t* n_accepted = reinterpret_cast<int64_t*>(a.n_accepted);
  uint8_t* divergent = reinterpret_cast<uint8_t*>(a.divergent);
  T* trajectory = reinterpret_cast<T*>(a.trajectory);
  const SamplerParams<T> params = sampler_params<T>(a);
  const ChainSchedule schedule{a.n_steps, a.burn_in, a.thin, a.record_trajectory};
  const PhiloxKey key = PhiloxKey::from_seed(a.seed);
  const int64_t kept = kept_states(a);

#pragma omp parallel num_threads(thread_count(a.n_threads))
  {
    std::vector<V> scratch(static_cast<size_t>(Step::kArrays) * d);
#pragma omp for schedule(static)
    for (int64_t block = 0; block < blocks; ++block) {
      const int64_t c0 = block * W;
      const int lanes = static_cast<int>(std::min<int64_t>(W, n - c0));
      Step step(params, [&](int i) { return scratch.data() + static_cast<size_t>(i) * d; }, d);
      // Transpose rows into lanes; padding lanes repeat the last chain (finite, then ignored).
      for (int l = 0; l < W; ++l) {
        const T* row = x0 + (c0 + std::min(l, lanes - 1)) * d;
        for (int j = 0; j < d; ++j) step.x[j][l] = row[j];
      }
      auto record = [&](int64_t k, V* x) {  // chain-major: (chains, kept, d)
        for (int l = 0; l < lanes; ++l) {
          T* out = trajectory + ((c0 + l) * kept + k) * d;
          for (int j = 0; j < d; ++j) out[j] = x[j][l];
        }
      };
      const auto chain = L::iota() + static_cast<uint32_t>(c0);
      const auto outcome = run_chain<L>(step, energy_fn, schedule, key, chain, record);
      for (int l = 0; l < lanes; ++l) {
        for (int j = 0; j < d; ++j) samples[(c0 + l) * d + j] = step.x[j][l];
        energy_out[c0 + l] = outcome.energy[l];
        n_accepted[c0 + l] = outcome.accepted[l];
        divergent[c0 + l] = outcome.divergent[l] != 0;
      }
    }
  }
}

// Few elements per chain (a 2-D neural energy has 2): SIMD lanes run over W chains and each
// chain draws only the Philox blocks it needs. Same counters (block, chain, step) as
// update_groups, so both produce identical numbers; only the iteration order differs.
template <class T>
void update_across_chains(const UpdateArgs& a) {
  using L = PackLanes<T>;
  using S = ScalarLanes<T>;
  constexpr int W = L::width;
  constexpr int per_block = kNormalsPerBlock<T>;
  const int64_t blocks = (a.elements + per_block - 1) / per_block;
  const int64_t n_groups = (a.chains + W - 1) / W;
  T* x = reinterpret_cast<T*>(a.x);
  const T* grad = reinterpret_cast<const T*>(a.grad);
  const auto move = LangevinMove<T>::make(static_cast<T>(a.step_size), static_cast<T>(a.noise_scale),
                                          static_cast<T>(a.clamp), a.has_clamp);
  const PhiloxKey key = PhiloxKey::from_seed(a.seed);
  const bool parallel = a.chains * a.elements >= kParallelElements;

#pragma omp parallel for schedule(static) num_threads(thread_count(a.n_threads)) if (parallel)
  for (int64_t g = 0; g < n_groups; ++g) {
    const int64_t c0 = g * W;
    const int lanes = static_cast<int>(std::min<int64_t>(W, a.chains - c0));
    for (int64_t b = 0; b < blocks; ++b) {
      typename L::V z[per_block];
      block_normals<L>(key, L::splat_u(static_cast<uint32_t>(b)), L::iota() + static_cast<uint32_t>(c0),
                       a.step, z);
      const int64_t base = b * per_block;
      const int count = static_cast<int>(std::min<int64_t>(per_block, a.elements - base));
      for (int l = 0; l < lanes; ++l) {
        T* xs = x + (c0 + l) * a.elements + base;
        const T* gs = grad + (c0 + l) * a.elements + base;
        for (int k = 0; k < count; ++k)
          xs[k] = move.template clamp<S>(move.template unclamped<S>(xs[k], gs[k], z[k][l]));
      }
    }
  }
}

template <class T>
void update_groups(const UpdateArgs& a) {
  using L = PackLanes<T>;
  using S = ScalarLanes<T>;
  constexpr int W = L::width;
  constexpr int per_block = kNormalsPerBlock<T>;
  constexpr int group = W * per_block;  // elements per SIMD group: W consecutive Philox blocks
  const int64_t groups_per_chain = (a.elements + group - 1) / group;
  const int64_t total = a.chains * groups_per_chain;
  T* x = reinterpret_cast<T*>(a.x);
  const T* grad = reinterpret_cast<const T*>(a.grad);
  const auto move = LangevinMove<T>::make(static_cast<T>(a.step_size), static_cast<T>(a.noise_scale),
                                          static_cast<T>(a.clamp), a.has_clamp);
  const PhiloxKey key = PhiloxKey::from_seed(a.seed);

#pragma omp parallel for schedule(static) num_threads(thread_count(a.n_threads))
  for (int64_t index = 0; index < total; ++index) {
    const int64_t chain = index / groups_per_chain;
    const int64_t first_block = (index % groups_per_chain) * W;
    typename L::V z[per_block];
    block_normals<L>(key, L::iota() + static_cast<uint32_t>(first_block),
                     L::splat_u(static_cast<uint32_t>(chain)), a.step, z);
    T noise[group];  // element order: block (lane) major, normal within the block minor
    for (int k = 0; k < per_block; ++k)
      for (int l = 0; l < W; ++l) noise[l * per_block + k] = z[k][l];
    const int64_t base = first_block * per_block;
    const int count = static_cast<int>(std::min<int64_t>(group, a.elements - base));
    T* xs = x + chain * a.elements + base;
    const T* gs = grad + chain * a.elements + base;
    for (int i = 0; i < count; ++i)
      xs[i] = move.template clamp<S>(move.template unclamped<S>(xs[i], gs[i], noise[i]));
  }
}

template <class T>
void normals_blocks(uintptr_t out_ptr, int64_t n, int d, uint64_t seed, uint64_t step_index) {
  using L = PackLanes<T>;
  using V = typename L::V;
  constexpr int W = L::width;
  T* out = reinterpret_cast<T*>(out_ptr);
  const PhiloxKey key = PhiloxKey::from_seed(seed);
  std::vector<V> z(d);
  for (int64_t c0 = 0; c0 < n; c0 += W) {
    fill_normals<L>(key, L::iota() + static_cast<uint32_t>(c0), step_index, d, z.data());
    for (int l = 0; l < W && c0 + l < n; ++l)
      for (int j = 0; j < d; ++j) out[(c0 + l) * d + j] = z[j][l];
  }
}

}  // namespace

void run_chains(const ChainArgs& args) {
  check(args);
  if (args.chains == 0) return;
  dispatch_chain(args, [&](auto real, auto step, const auto& energy_fn) {
    using T = typename decltype(real)::type;
    run_blocks<T, decltype(step)>(args, energy_fn);
  });
}

void langevin_update(const UpdateArgs& args) {
  check(args);
  if (args.chains == 0 || args.elements == 0) return;
  // Lanes over elements when a chain fills whole SIMD groups, else lanes over chains.
  if (args.dtype == DType::float32) {
    if (args.elements >= PackLanes<float>::width * kNormalsPerBlock<float>) update_groups<float>(args);
    else update_across_chains<float>(args);
  } else {
    if (args.elements >= PackLanes<double>::width * kNormalsPerBlock<double>) update_groups<double>(args);
    else update_across_chains<double>(args);
  }
}

void sample_normals(DType dtype, uintptr_t out, int64_t chains, int64_t dim, uint64_t seed,
                    uint64_t step) {
  if (dtype == DType::float32) {
    normals_blocks<float>(out, chains, static_cast<int>(dim), seed, step);
  } else {
    normals_blocks<double>(out, chains, static_cast<int>(dim), seed, step);
  }
}

}  // namespace ebm::cpu::EBM_CPU_ISA
