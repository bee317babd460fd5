// From a runtime ChainArgs to compile-time types: precision, step, energy.
//
// dispatch_chain(args, f) calls f(RealTag<T>, StepTag<Step>, energy) once with the types the
// request names. Both launchers (cpu/, cuda/) use it, so the set of supported combinations is
// written down in exactly one place.
#pragma once

#include <stdexcept>

#include "args.h"
#include "energies.h"
#include "samplers.h"

namespace ebm {

template <class T>
struct RealTag {
  using type = T;
};

template <template <class, class> class Step>
struct StepTag {
  template <class L, class View>
  using type = Step<L, View>;
};

template <class T>
const T* param_ptr(uintptr_t p) {
  return reinterpret_cast<const T*>(p);
}

template <class T>
SamplerParams<T> sampler_params(const ChainArgs& a) {
  return SamplerParams<T>{static_cast<T>(a.step_size),
                          static_cast<T>(a.noise_scale),
                          static_cast<T>(a.clamp),
                          a.has_clamp,
                          static_cast<int>(a.n_leapfrog),
                          param_ptr<T>(a.inv_mass),
                          param_ptr<T>(a.mass_sqrt),
                          static_cast<T>(a.step_size_jitter)};
}

template <class T, class F>
void dispatch_energy(const ChainArgs& a, F&& f) {
  switch (a.energy) {
    case EnergyKind::gaussian_diag:
      return f(GaussianDiag<T>{param_ptr<T>(a.gaussian_mean), param_ptr<T>(a.gaussian_precision_diag)});
    case EnergyKind::gaussian_full:
      return f(GaussianFull<T>{param_ptr<T>(a.gaussian_mean), param_ptr<T>(a.gaussian_precision)});
    case EnergyKind::double_well:
      return f(DoubleWell<T>{static_cast<T>(a.double_well_barrier_height), static_cast<T>(a.double_well_b)});
    case EnergyKind::rosenbrock:
      return f(Rosenbrock<T>{static_cast<T>(a.rosenbrock_a), static_cast<T>(a.rosenbrock_b)});
    case EnergyKind::harmonic:
      return f(Harmonic<T>{static_cast<T>(a.harmonic_k), param_ptr<T>(a.harmonic_center)});
  }
  throw std::invalid_argument("ChainArgs: unknown energy kind");
}

template <class T, class F>
void dispatch_step(const ChainArgs& a, F&& f) {
  auto with = [&](auto step) { dispatch_energy<T>(a, [&](auto energy) { f(RealTag<T>{}, step, energy); }); };
  switch (a.sampler) {
    case SamplerKind::langevin:
      return with(StepTag<LangevinStep>{});
    case SamplerKind::mala:
      return with(StepTag<MalaStep>{});
    case SamplerKind::hmc:
      return with(StepTag<HmcStep>{});
  }
  throw std::invalid_argument("ChainArgs: unknown sampler kind");
}

template <class F>
void dispatch_chain(const ChainArgs& a, F&& f) {
  switch (a.dtype) {
    case DType::float32:
      return dispatch_step<float>(a, f);
    case DType::float64:
      return dispatch_step<double>(a, f);
  }
  throw std::invalid_argument("ChainArgs: unknown dtype");
}

}  // namespace ebm
