// The CUDA chain launcher: one thread per chain running csrc/ebm's math with ScalarLanes.
//
// Two storage variants per (sampler, energy, precision):
//   D = 2  the working arrays are per-thread locals of compile-time size, i.e. registers
//          (2-D targets are the common case of toy EBMs and of benchmark W1);
//   D = 0  any d: the arrays live in caller-provided scratch, interleaved (d, chains) so that
//          neighbouring threads touch neighbouring addresses.
#include <cuda_runtime.h>

#include "../ebm/chain.h"
#include "../ebm/dispatch.h"
#include "../ebm/lanes.h"
#include "../ebm/views.h"
#include "cuda_backend.h"
#include "cuda_check.cuh"

namespace ebm::cuda {
namespace {

constexpr int kThreads = 128;
constexpr int kRegisterDim = 2;

/// Loads x₀, runs the chain and stores the outcome of chain `c` (state already constructed).
template <class T, class Step, class Energy>
__device__ void run_one(Step& step, const Energy& energy_fn, const ChainArgs& a, int64_t c) {
  using L = ScalarLanes<T>;
  const int d = step.d;
  const T* x0 = reinterpret_cast<const T*>(a.x0) + c * d;
  for (int j = 0; j < d; ++j) step.x[j] = x0[j];
  T* trajectory = reinterpret_cast<T*>(a.trajectory) + c * kept_states(a) * d;  // chain-major
  auto record = [&](int64_t k, const auto& x) {
    T* out = trajectory + k * d;
    for (int j = 0; j < d; ++j) out[j] = x[j];
  };
  const ChainSchedule schedule{a.n_steps, a.burn_in, a.thin, a.record_trajectory};
  const auto outcome = run_chain<L>(step, energy_fn, schedule, PhiloxKey::from_seed(a.seed),
                                    static_cast<uint32_t>(c), record);
  T* samples = reinterpret_cast<T*>(a.samples) + c * d;
  for (int j = 0; j < d; ++j) samples[j] = step.x[j];
  reinterpret_cast<T*>(a.energy_out)[c] = outcome.energy;
  reinterpret_cast<int64_t*>(a.n_accepted)[c] = outcome.accepted;
  reinterpret_cast<uint8_t*>(a.divergent)[c] = outcome.divergent ? 1 : 0;
}

template <class T, class StepTag, class Energy, int D>
__global__ void __launch_bounds__(kThreads)
    chain_kernel(ChainArgs a, SamplerParams<T> params, Energy energy_fn) {
  using L = ScalarLanes<T>;
  const int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= a.chains) return;
  if constexpr (D > 0) {
    using Step = typename StepTag::template type<L, T*>;
    T arrays[Step::kArrays][D];
    Step step(params, [&](int i) { return &arrays[i][0]; }, D);
    run_one<T>(step, energy_fn, a, c);
  } else {
    using Step = typename StepTag::template type<L, Strided<T>>;
    const int d = static_cast<int>(a.dim);
    T* scratch = reinterpret_cast<T*>(a.scratch);
    Step step(
        params, [&](int i) { return Strided<T>{scratch + (i * a.dim) * a.chains + c, a.chains}; },
        d);
    run_one<T>(step, energy_fn, a, c);
  }
}

int scratch_arrays(SamplerKind sampler) {
  using L = ScalarLanes<float>;
  switch (sampler) {
    case SamplerKind::langevin:
      return LangevinStep<L, float*>::kArrays;
    case SamplerKind::mala:
      return MalaStep<L, float*>::kArrays;
    case SamplerKind::hmc:
      return HmcStep<L, float*>::kArrays;
  }
  return 0;
}

}  // namespace

int64_t chain_scratch_elements(const ChainArgs& a) {
  if (a.dim == kRegisterDim) return 0;
  return static_cast<int64_t>(scratch_arrays(a.sampler)) * a.dim * a.chains;
}

void run_chains(const ChainArgs& args) {
  ebm::check(args);
  if (args.chains == 0) return;
  if (args.dim != kRegisterDim && args.scratch == 0)
    throw std::invalid_argument("ChainArgs: scratch must be set (chain_scratch_elements)");
  DeviceGuard guard(args.device);
  const auto stream = reinterpret_cast<cudaStream_t>(args.stream);
  const unsigned int blocks = blocks_for(args.chains, kThreads);
  dispatch_chain(args, [&](auto real, auto step, const auto& energy_fn) {
    using T = typename decltype(real)::type;
    using StepTag = decltype(step);
    using Energy = std::decay_t<decltype(energy_fn)>;
    const SamplerParams<T> params = sampler_params<T>(args);
    if (args.dim == kRegisterDim) {
      chain_kernel<T, StepTag, Energy, kRegisterDim>
          <<<blocks, kThreads, 0, stream>>>(args, params, energy_fn);
    } else {
      chain_kernel<T, StepTag, Energy, 0><<<blocks, kThreads, 0, stream>>>(args, params, energy_fn);
    }
  });
  check(cudaGetLastError(), "chain kernel launch");
}

}  // namespace ebm::cuda
