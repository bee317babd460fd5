// Turning cudaError_t into exceptions, and selecting a device for the duration of a call.
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "cuda_backend.h"

namespace ebm::cuda {

/// Throws Unavailable for errors that mean "no usable GPU here", std::runtime_error otherwise.
inline void check(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return;
  const std::string message = std::string(what) + ": " + cudaGetErrorName(status) + " (" +
                              cudaGetErrorString(status) + ")";
  switch (status) {
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorInitializationError:
    case cudaErrorStubLibrary:
    case cudaErrorDevicesUnavailable:
    case cudaErrorSystemDriverMismatch:
    case cudaErrorCompatNotSupportedOnDevice:
      throw Unavailable("CUDA not available: " + message);
    default:
      throw std::runtime_error("CUDA error in " + message);
  }
}

/// Makes `device` current and restores the previous device on exit.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    check(cudaGetDevice(&previous_), "cudaGetDevice");
    if (previous_ != device) check(cudaSetDevice(device), "cudaSetDevice");
  }
  ~DeviceGuard() {
    int current = previous_;
    if (cudaGetDevice(&current) == cudaSuccess && current != previous_) cudaSetDevice(previous_);
  }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = 0;
};

/// Blocks of `threads` covering `n` work items (at least one block).
inline unsigned int blocks_for(int64_t n, int threads) {
  const int64_t blocks = (n + threads - 1) / threads;
  return static_cast<unsigned int>(blocks < 1 ? 1 : blocks);
}

}  // namespace ebm::cuda
