// Device discovery and version queries for the Python module's build/runtime report.
#include <cuda_runtime.h>

#include "cuda_backend.h"
#include "cuda_check.cuh"

namespace ebm::cuda {

int device_count() {
  int count = 0;
  check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
  return count;
}

int runtime_version() {
  int version = 0;
  check(cudaRuntimeGetVersion(&version), "cudaRuntimeGetVersion");
  return version;
}

int driver_version() {
  int version = 0;
  return cudaDriverGetVersion(&version) == cudaSuccess ? version : 0;
}

}  // namespace ebm::cuda
