// The plain-data requests the Python wrapper fills in: pointers, shapes and parameters as
// integers and doubles (no libtorch types cross this boundary).
//
// Pointers are the tensors' data_ptr() values; on the CPU they are host memory, for the CUDA
// backend device memory on `device`, used on `stream` (a cudaStream_t as an integer).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "hd.h"

namespace ebm {

enum class SamplerKind : int { langevin = 0, mala = 1, hmc = 2 };
enum class EnergyKind : int {
  gaussian_diag = 0,
  gaussian_full = 1,
  double_well = 2,
  rosenbrock = 3,
  harmonic = 4,
};
enum class DType : int { float32 = 0, float64 = 1 };

/// One call of a fused chain kernel (see ebm_core.kernels.ChainRequest for the meaning).
struct ChainArgs {
  SamplerKind sampler = SamplerKind::langevin;
  EnergyKind energy = EnergyKind::gaussian_diag;
  DType dtype = DType::float32;

  int64_t chains = 0;
  int64_t dim = 0;
  int64_t n_steps = 0;
  int64_t burn_in = 0;
  int64_t thin = 1;
  bool record_trajectory = false;
  uint64_t seed = 0;

  // Inputs and outputs (row-major): x0, samples (chains, dim); energy (chains,);
  // n_accepted int64 (chains,); divergent bool (chains,); trajectory (chains, n_kept, dim),
  // chain-major like ebm's SampleResult.trajectory.
  uintptr_t x0 = 0, samples = 0, energy_out = 0, n_accepted = 0, divergent = 0, trajectory = 0;

  // BEGIN CONTRACT PARAMETERS
  // One field per entry of ebm_core.kernels.SAMPLER_PARAMS, named <param>, and of
  // ENERGY_PARAMS, named <energy>_<param>: a real is a double, an integer an int64_t, a tensor
  // the uintptr_t data pointer of its (dim,) or (dim, dim) values; a nullable real also has
  // bool has_<param>. One field per line: tests/cuda/test_param_table.py parses this block and
  // checks it against the Python declaration field by field.
  double step_size = 0;
  double noise_scale = 1;
  double clamp = 0;
  bool has_clamp = false;
  int64_t n_leapfrog = 1;
  uintptr_t inv_mass = 0;
  double step_size_jitter = 0;
  uintptr_t gaussian_mean = 0;
  uintptr_t gaussian_precision = 0;
  uintptr_t gaussian_precision_diag = 0;
  double double_well_barrier_height = 1;
  double double_well_b = 1;
  double rosenbrock_a = 1;
  double rosenbrock_b = 100;
  double harmonic_k = 1;
  uintptr_t harmonic_center = 0;
  // END CONTRACT PARAMETERS

  // Derived by the wrapper: M^{1/2} = 1/√inv_mass, (dim,), hmc.
  uintptr_t mass_sqrt = 0;

  // Execution.
  int n_threads = 0;       // CPU: OpenMP threads (0 = OpenMP's default)
  int device = 0;          // CUDA device index
  uintptr_t stream = 0;    // CUDA stream
  uintptr_t scratch = 0;   // CUDA: chain_scratch_elements(...) values of dtype, when nonzero
};

/// One fused Langevin update of x (chains, elements) in place, given its gradient.
struct UpdateArgs {
  DType dtype = DType::float32;
  int64_t chains = 0;
  int64_t elements = 0;  // per chain
  uintptr_t x = 0, grad = 0;
  double step_size = 0, noise_scale = 1, clamp = 0;
  bool has_clamp = false;
  uint64_t seed = 0;
  uint64_t step = 0;
  int n_threads = 0;
  int device = 0;
  uintptr_t stream = 0;
};

/// Number of states recorded per chain when record_trajectory is set.
EBM_HD_INLINE int64_t kept_states(const ChainArgs& a) { return (a.n_steps - a.burn_in) / a.thin; }

/// Throws std::invalid_argument naming the first inconsistent field (the Python wrapper checks
/// tensors first; this guards the native entry points themselves).
inline void check(const ChainArgs& a) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("ChainArgs: " + what); };
  if (a.chains < 0) fail("chains must be >= 0");
  if (a.chains > 0xFFFFFFFFLL) fail("at most 2^32 chains (the Philox counter holds 32 bits)");
  if (a.dim < 1 || a.dim > (1 << 30)) fail("dim must be in [1, 2^30]");
  if (a.n_steps < 0) fail("n_steps must be >= 0");
  if (a.burn_in < 0 || a.burn_in > a.n_steps) fail("burn_in must be in [0, n_steps]");
  if (a.thin < 1) fail("thin must be >= 1");
  if (!(a.step_size > 0)) fail("step_size must be > 0");
  if (a.sampler == SamplerKind::hmc && (a.n_leapfrog < 1 || a.n_leapfrog > (1 << 30)))
    fail("n_leapfrog must be in [1, 2^30]");
  if (a.sampler == SamplerKind::hmc && !(a.step_size_jitter >= 0 && a.step_size_jitter < 1))
    fail("step_size_jitter must be in [0, 1)");
  if (a.chains == 0) return;
  if (!a.x0 || !a.samples || !a.energy_out || !a.n_accepted || !a.divergent)
    fail("x0, samples, energy_out, n_accepted and divergent must be set");
  if (a.record_trajectory && kept_states(a) > 0 && !a.trajectory) fail("trajectory must be set");
  if (a.sampler == SamplerKind::hmc && (!a.inv_mass || !a.mass_sqrt))
    fail("hmc needs inv_mass and mass_sqrt");
  const bool gaussian = a.energy == EnergyKind::gaussian_diag || a.energy == EnergyKind::gaussian_full;
  if (gaussian && !a.gaussian_mean) fail("gaussian needs gaussian_mean");
  if (a.energy == EnergyKind::gaussian_full && !a.gaussian_precision)
    fail("gaussian_full needs gaussian_precision");
  if (a.energy == EnergyKind::gaussian_diag && !a.gaussian_precision_diag)
    fail("gaussian_diag needs gaussian_precision_diag");
  if (a.energy == EnergyKind::harmonic && !a.harmonic_center) fail("harmonic needs harmonic_center");
}

inline void check(const UpdateArgs& a) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("UpdateArgs: " + what); };
  if (a.chains < 0 || a.elements < 0) fail("chains and elements must be >= 0");
  if (a.chains > 0xFFFFFFFFLL) fail("at most 2^32 chains (the Philox counter holds 32 bits)");
  if (a.elements > 0xFFFFFFFFLL * 2) fail("too many elements per chain for the Philox block index");
  if (!(a.step_size > 0)) fail("step_size must be > 0");
  if (a.chains > 0 && a.elements > 0 && (!a.x || !a.grad)) fail("x and grad must be set");
}

}  // namespace ebm
