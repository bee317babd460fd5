// The CUDA backend's entry points (compiled only when nvcc is found; see CMakeLists.txt).
//
// The CUDA runtime is linked statically, so the module loads on machines without a GPU or
// driver; there the first CUDA call fails and these functions throw Unavailable.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "../ebm/args.h"

namespace ebm::cuda {

/// CUDA cannot be used here (no driver, no device, driver too old).
class Unavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Number of visible devices; throws Unavailable when the runtime cannot start.
int device_count();

/// CUDA runtime version linked in (e.g. 13000) and driver version (0 when there is no driver).
int runtime_version();
int driver_version();

/// Elements of args.dtype the chain kernel needs in args.scratch (0: state stays in registers).
int64_t chain_scratch_elements(const ChainArgs& args);

/// Runs the fused chains on args.device, on args.stream; pointers are device memory.
void run_chains(const ChainArgs& args);

/// One fused Langevin update of args.x (device memory) in place, on args.stream.
void langevin_update(const UpdateArgs& args);

}  // namespace ebm::cuda
