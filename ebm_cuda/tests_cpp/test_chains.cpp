// The CPU backend (SIMD lanes, OpenMP, ISA dispatch) against a scalar reference that runs the
// same single-source math one chain at a time — the way the CUDA backend runs it — for every
// sampler × energy × precision: outputs must agree bit for bit, and not depend on the thread
// count. Same for the fused Langevin update.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "check.h"
#include "cpu/cpu_backend.h"
#include "ebm/chain.h"
#include "ebm/dispatch.h"
#include "ebm/langevin.h"
#include "ebm/lanes.h"
#include "ebm/update.h"

namespace {

using namespace ebm;

constexpr int64_t kChains = 37;  // not a multiple of any SIMD width
constexpr int64_t kDim = 3;

/// Buffers of one chain request, in precision T.
template <class T>
struct Problem {
  std::vector<T> x0, samples, energy, trajectory, mean, precision, center, inv_mass, mass_sqrt;
  std::vector<int64_t> accepted;
  std::vector<uint8_t> divergent;
  ChainArgs args;

  Problem(SamplerKind sampler, EnergyKind energy_kind, DType dtype) {
    const int64_t n = kChains, d = kDim;
    x0.resize(n * d);
    for (int64_t i = 0; i < n * d; ++i) x0[i] = static_cast<T>(1.5 * std::sin(0.37 * i + 0.2));
    samples.assign(n * d, T(-7));
    energy.assign(n, T(-7));
    accepted.assign(n, -7);
    divergent.assign(n, 7);
    mean = {T(0.2), T(-0.1), T(0.4)};
    center = {T(1), T(0), T(-0.5)};
    inv_mass = {T(1), T(0.5), T(2)};
    for (T m : inv_mass) mass_sqrt.push_back(T(1) / std::sqrt(m));
    if (energy_kind == EnergyKind::gaussian_full) {
      precision = {T(2), T(0.3), T(0.1), T(0.3), T(1), T(0.2), T(0.1), T(0.2), T(1.5)};
    } else {
      precision = {T(2), T(1), T(0.5)};
    }
    args.sampler = sampler;
    args.energy = energy_kind;
    args.dtype = dtype;
    args.chains = n;
    args.dim = d;
    args.n_steps = 23;
    args.burn_in = 5;
    args.thin = 4;
    args.record_trajectory = true;
    args.seed = 0xC0FFEE1234ULL;
    trajectory.assign(kept_states(args) * n * d, T(-7));
    args.step_size = sampler == SamplerKind::hmc ? 0.2 : (energy_kind == EnergyKind::rosenbrock ? 0.002 : 0.05);
    args.noise_scale = 0.8;
    args.clamp = 1.7;
    args.has_clamp = true;
    args.n_leapfrog = 4;
    args.step_size_jitter = 0.3;
    args.double_well_barrier_height = 1.5;
    args.double_well_b = 0.9;
    args.rosenbrock_a = 1;
    args.rosenbrock_b = 20;
    args.harmonic_k = 0.7;
    args.x0 = reinterpret_cast<uintptr_t>(x0.data());
    args.samples = reinterpret_cast<uintptr_t>(samples.data());
    args.energy_out = reinterpret_cast<uintptr_t>(energy.data());
    args.n_accepted = reinterpret_cast<uintptr_t>(accepted.data());
    args.divergent = reinterpret_cast<uintptr_t>(divergent.data());
    args.trajectory = reinterpret_cast<uintptr_t>(trajectory.data());
    args.gaussian_mean = reinterpret_cast<uintptr_t>(mean.data());
    args.gaussian_precision = reinterpret_cast<uintptr_t>(precision.data());
    args.gaussian_precision_diag = reinterpret_cast<uintptr_t>(precision.data());
    args.harmonic_center = reinterpret_cast<uintptr_t>(center.data());
    args.inv_mass = reinterpret_cast<uintptr_t>(inv_mass.data());
    args.mass_sqrt = reinterpret_cast<uintptr_t>(mass_sqrt.data());
  }
};

/// The scalar twin of the launchers: one chain at a time, ScalarLanes, plain arrays.
void run_scalar_reference(const ChainArgs& a) {
  dispatch_chain(a, [&](auto real, auto step_tag, const auto& energy_fn) {
    using T = typename decltype(real)::type;
    using L = ScalarLanes<T>;
    using Step = typename decltype(step_tag)::template type<L, T*>;
    const int d = static_cast<int>(a.dim);
    const T* x0 = reinterpret_cast<const T*>(a.x0);
    T* trajectory = reinterpret_cast<T*>(a.trajectory);
    for (int64_t c = 0; c < a.chains; ++c) {
      std::vector<T> arrays(Step::kArrays * d);
      Step step(sampler_params<T>(a), [&](int i) { return arrays.data() + i * d; }, d);
      for (int j = 0; j < d; ++j) step.x[j] = x0[c * d + j];
      auto record = [&](int64_t k, T* x) {
        for (int j = 0; j < d; ++j) trajectory[(c * kept_states(a) + k) * d + j] = x[j];
      };
      const auto out = run_chain<L>(step, energy_fn, ChainSchedule{a.n_steps, a.burn_in, a.thin, a.record_trajectory},
                                    PhiloxKey::from_seed(a.seed), static_cast<uint32_t>(c), record);
      for (int j = 0; j < d; ++j) reinterpret_cast<T*>(a.samples)[c * d + j] = step.x[j];
      reinterpret_cast<T*>(a.energy_out)[c] = out.energy;
      reinterpret_cast<int64_t*>(a.n_accepted)[c] = out.accepted;
      reinterpret_cast<uint8_t*>(a.divergent)[c] = out.divergent ? 1 : 0;
    }
  });
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

template <class T>
void check_combination(SamplerKind sampler, EnergyKind energy, DType dtype) {
  const std::string name = std::to_string(int(sampler)) + "/" + std::to_string(int(energy)) + "/" +
                           std::to_string(int(dtype));
  Problem<T> simd1(sampler, energy, dtype), simd2(sampler, energy, dtype), scalar(sampler, energy, dtype);
  simd1.args.n_threads = 1;
  simd2.args.n_threads = 2;
  cpu::run_chains(simd1.args);
  cpu::run_chains(simd2.args);
  run_scalar_reference(scalar.args);
  for (const Problem<T>* p : {&simd1, &simd2}) {
    CHECK(same_bits(p->samples, scalar.samples), name, ": samples differ from the scalar reference");
    CHECK(same_bits(p->energy, scalar.energy), name, ": energies differ");
    CHECK(same_bits(p->trajectory, scalar.trajectory), name, ": trajectories differ");
    CHECK(p->accepted == scalar.accepted, name, ": acceptance counts differ");
    CHECK(p->divergent == scalar.divergent, name, ": divergence flags differ");
  }
  bool finite = true;
  for (T v : scalar.samples) finite = finite && std::isfinite(v);
  CHECK(finite, name, ": non-finite samples");
  const int64_t after_burn_in = scalar.args.n_steps - scalar.args.burn_in;
  for (int64_t c = 0; c < kChains; ++c) {
    CHECK(scalar.accepted[c] >= 0 && scalar.accepted[c] <= after_burn_in, name, ": accepted ", scalar.accepted[c]);
    if (sampler == SamplerKind::langevin) CHECK(scalar.accepted[c] == after_burn_in, name, ": ULA accepts every step");
  }
  // The last recorded state is the state after step burn_in + kept·thin − 1; with 23 steps,
  // burn-in 5 and thin 4 that is step 20, not the final state (step 22).
  CHECK(kept_states(scalar.args) == 4, name);
}

template <class T>
void check_update(DType dtype) {
  const int64_t chains = 5, elements = 103;  // not a multiple of any group size
  std::vector<T> x(chains * elements), grad(chains * elements);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<T>(std::cos(0.1 * i));
    grad[i] = static_cast<T>(std::sin(0.3 * i));
  }
  UpdateArgs a;
  a.dtype = dtype;
  a.chains = chains;
  a.elements = elements;
  a.step_size = 0.01;
  a.noise_scale = 0.9;
  a.clamp = 0.95;
  a.has_clamp = true;
  a.seed = 99;
  a.step = 0x100000007ULL;  // the high counter word is used too
  std::vector<T> want = x;
  const auto move = LangevinMove<T>::make(T(a.step_size), T(a.noise_scale), T(a.clamp), a.has_clamp);
  using S = ScalarLanes<T>;
  for (int64_t c = 0; c < chains; ++c) {
    for (int64_t e = 0; e < elements; e += kNormalsPerBlock<T>) {
      T z[kNormalsPerBlock<T>];
      block_normals<S>(PhiloxKey::from_seed(a.seed), static_cast<uint32_t>(e / kNormalsPerBlock<T>),
                       static_cast<uint32_t>(c), a.step, z);
      for (int k = 0; k < kNormalsPerBlock<T> && e + k < elements; ++k) {
        T& v = want[c * elements + e + k];
        v = move.template clamp<S>(move.template unclamped<S>(v, grad[c * elements + e + k], z[k]));
      }
    }
  }
  for (int threads : {1, 2}) {
    std::vector<T> got = x;
    a.x = reinterpret_cast<uintptr_t>(got.data());
    a.grad = reinterpret_cast<uintptr_t>(grad.data());
    a.n_threads = threads;
    cpu::langevin_update(a);
    CHECK(same_bits(got, want), "langevin update (dtype ", int(dtype), ", ", threads, " threads)");
  }
}

}  // namespace

int main() {
  std::printf("CPU backend: %s\n", cpu::active_isa().c_str());
  for (SamplerKind s : {SamplerKind::langevin, SamplerKind::mala, SamplerKind::hmc}) {
    for (EnergyKind e : {EnergyKind::gaussian_diag, EnergyKind::gaussian_full, EnergyKind::double_well,
                         EnergyKind::rosenbrock, EnergyKind::harmonic}) {
      check_combination<float>(s, e, DType::float32);
      check_combination<double>(s, e, DType::float64);
    }
  }
  check_update<float>(DType::float32);
  check_update<double>(DType::float64);
  return ebm_test::report("chains");
}
