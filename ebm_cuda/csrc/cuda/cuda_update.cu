// The CUDA fused Langevin update: one thread per Philox block (4 float or 2 double elements)
// of one chain, in a grid-stride loop.
#include <cuda_runtime.h>

#include "../ebm/langevin.h"
#include "../ebm/lanes.h"
#include "../ebm/update.h"
#include "cuda_backend.h"
#include "cuda_check.cuh"

namespace ebm::cuda {
namespace {

constexpr int kThreads = 256;

/// Index is uint32_t when every index of the grid-stride loop fits (cheap division), else int64_t.
template <class T, class Index>
__global__ void __launch_bounds__(kThreads)
    update_kernel(UpdateArgs a, LangevinMove<T> move, Index blocks_per_chain, Index total) {
  using L = ScalarLanes<T>;
  constexpr int per_block = kNormalsPerBlock<T>;
  T* x = reinterpret_cast<T*>(a.x);
  const T* grad = reinterpret_cast<const T*>(a.grad);
  const PhiloxKey key = PhiloxKey::from_seed(a.seed);
  const Index stride = static_cast<Index>(gridDim.x) * blockDim.x;
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride) {
    const Index chain = i / blocks_per_chain;
    const Index block = i - chain * blocks_per_chain;
    T z[per_block];
    block_normals<L>(key, static_cast<uint32_t>(block), static_cast<uint32_t>(chain), a.step, z);
    const int64_t base = static_cast<int64_t>(block) * per_block;
    const int64_t offset = static_cast<int64_t>(chain) * a.elements + base;
    const int64_t left = a.elements - base;
    const int count = left < per_block ? static_cast<int>(left) : per_block;
#pragma unroll
    for (int k = 0; k < per_block; ++k) {
      if (k < count) {
        x[offset + k] = move.template clamp<L>(
            move.template unclamped<L>(x[offset + k], grad[offset + k], z[k]));
      }
    }
  }
}

template <class T>
void launch(const UpdateArgs& a) {
  constexpr int per_block = kNormalsPerBlock<T>;
  const int64_t blocks_per_chain = (a.elements + per_block - 1) / per_block;
  const int64_t total = blocks_per_chain * a.chains;
  const auto move = LangevinMove<T>::make(static_cast<T>(a.step_size), static_cast<T>(a.noise_scale),
                                          static_cast<T>(a.clamp), a.has_clamp);
  int sms = 0;
  check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, a.device),
        "cudaDeviceGetAttribute");
  const int64_t wanted = (total + kThreads - 1) / kThreads;
  const unsigned int grid = static_cast<unsigned int>(wanted < 32LL * sms ? wanted : 32LL * sms);
  const auto stream = reinterpret_cast<cudaStream_t>(a.stream);
  if (total + static_cast<int64_t>(grid) * kThreads <= 0xFFFFFFFFLL) {  // i + stride cannot wrap
    update_kernel<T, uint32_t><<<grid, kThreads, 0, stream>>>(
        a, move, static_cast<uint32_t>(blocks_per_chain), static_cast<uint32_t>(total));
  } else {
    update_kernel<T, int64_t><<<grid, kThreads, 0, stream>>>(a, move, blocks_per_chain, total);
  }
  check(cudaGetLastError(), "update kernel launch");
}

}  // namespace

void langevin_update(const UpdateArgs& args) {
  ebm::check(args);
  if (args.chains == 0 || args.elements == 0) return;
  DeviceGuard guard(args.device);
  if (args.dtype == DType::float32) {
    launch<float>(args);
  } else {
    launch<double>(args);
  }
}

}  // namespace ebm::cuda
