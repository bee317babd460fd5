// One transition of ULA, MALA and HMC, for every lane type and energy.
//
// The semantics are those of ebm_core.kernels (the contract every path implements); with
// g = ∇E and ξ ~ N(0, I) drawn from the chain's Philox stream at this step:
//
//   langevin  x ← clamp(x − h g(x) + σ √(2h) ξ)
//   mala      y = x − h g(x) + √(2h) ξ, accepted with probability
//             min(1, exp(E(x) − E(y) + log q(x|y) − log q(y|x))),
//             log q(a|b) = −‖a − b + h g(b)‖² / (4h)   (so log q(y|x) = −‖ξ‖²/2);
//             a non-finite E(y) is a rejection
//   hmc       p = M^{1/2} ξ; L leapfrog steps of size ε_t; accepted with probability
//             min(1, exp(H₀ − H₁)), H = E(x) + ½ pᵀM⁻¹p; a non-finite H₁ is a rejection;
//             ε_t = ε (1 + j (2u − 1)), u ~ U[0, 1) from block kJitterBlock of (chain, step),
//             when the jitter j > 0 (else ε_t = ε and nothing is drawn)
//
// A step object owns views of its working arrays (each d lanes values: the state x and its
// gradient g first, then scratch), so the chain driver (chain.h) and the launchers never look
// inside. `advance` returns the per-lane acceptance mask; the gradient at the current state is
// carried between steps, so ULA/MALA cost one gradient per step and HMC L per step.
#pragma once

#include <cstdint>

#include "energies.h"
#include "hd.h"
#include "langevin.h"
#include "lanes.h"
#include "random.h"

namespace ebm {

/// Sampler parameters, already in the chain's precision. Only the fields a sampler names are used.
template <class T>
struct SamplerParams {
  T step_size;        // h (langevin, mala) or ε (hmc)
  T noise_scale;      // σ (langevin)
  T clamp;            // clamp bound (langevin, when has_clamp)
  bool has_clamp;
  int n_leapfrog;     // L (hmc)
  const T* inv_mass;  // M⁻¹ diagonal (hmc)
  const T* mass_sqrt; // M^{1/2} diagonal = 1/√inv_mass (hmc), precomputed by the wrapper
  T step_size_jitter; // j in [0, 1) (hmc)
};

/// Unadjusted Langevin (ULA). Arrays: x, g, ξ.
template <class L, class View>
struct LangevinStep {
  static constexpr int kArrays = 3;
  using T = typename L::Real;
  using V = typename L::V;
  using M = typename L::M;

  View x, g, xi;
  int d;
  LangevinMove<T> move;

  template <class Arrays>
  EBM_HD_INLINE LangevinStep(const SamplerParams<T>& p, Arrays arrays, int dim)
      : x(arrays(0)), g(arrays(1)), xi(arrays(2)), d(dim),
        move(LangevinMove<T>::make(p.step_size, p.noise_scale, p.clamp, p.has_clamp)) {}

  template <class Energy>
  EBM_HD_INLINE void init(const Energy& f) {
    gradient<L>(f, x, g, d);
  }

  template <class Energy>
  EBM_HD_INLINE M advance(const Energy& f, PhiloxKey key, typename L::U chain, uint64_t step) {
    fill_normals<L>(key, chain, step, d, xi);
    for (int j = 0; j < d; ++j) x[j] = move.template clamp<L>(move.template unclamped<L>(x[j], g[j], xi[j]));
    gradient<L>(f, x, g, d);
    return L::all_true();
  }

  template <class Energy>
  EBM_HD_INLINE V final_energy(const Energy& f) const {
    return energy<L>(f, x, d);
  }

  /// ULA carries no energy (it is evaluated once, at the end).
  EBM_HD_INLINE M energy_non_finite() const { return L::all_false(); }
};

/// Metropolis-adjusted Langevin (MALA). Arrays: x, g, y, g(y). E(x) is carried.
template <class L, class View>
struct MalaStep {
  static constexpr int kArrays = 4;
  using T = typename L::Real;
  using V = typename L::V;
  using M = typename L::M;

  View x, g, y, gy;
  int d;
  T h, noise;
  V ex;

  template <class Arrays>
  EBM_HD_INLINE MalaStep(const SamplerParams<T>& p, Arrays arrays, int dim)
      : x(arrays(0)), g(arrays(1)), y(arrays(2)), gy(arrays(3)), d(dim), h(p.step_size),
        noise(ScalarLanes<T>::sqrt(T(2) * p.step_size)), ex(L::splat(T(0))) {}

  template <class Energy>
  EBM_HD_INLINE void init(const Energy& f) {
    ex = energy_and_gradient<L>(f, x, g, d);
  }

  template <class Energy>
  EBM_HD_INLINE M advance(const Energy& f, PhiloxKey key, typename L::U chain, uint64_t step) {
    fill_normals<L>(key, chain, step, d, y);
    V xi_sq = L::splat(T(0));
    for (int j = 0; j < d; ++j) {
      const V xi = y[j];
      xi_sq = xi_sq + xi * xi;
      y[j] = x[j] - h * g[j] + noise * xi;
    }
    const V ey = energy_and_gradient<L>(f, y, gy, d);
    V back = L::splat(T(0));  // ‖x − y + h g(y)‖²
    for (int j = 0; j < d; ++j) {
      const V r = x[j] - y[j] + h * gy[j];
      back = back + r * r;
    }
    const V log_alpha = ex - ey - back / (T(4) * h) + T(0.5) * xi_sq;
    const M accept = (accept_log_uniform<L>(key, chain, step) < log_alpha) & !L::not_finite(ey);
    for (int j = 0; j < d; ++j) {
      x[j] = L::select(accept, y[j], x[j]);
      g[j] = L::select(accept, gy[j], g[j]);
    }
    ex = L::select(accept, ey, ex);
    return accept;
  }

  template <class Energy>
  EBM_HD_INLINE V final_energy(const Energy&) const {
    return ex;
  }

  EBM_HD_INLINE M energy_non_finite() const { return L::not_finite(ex); }
};

/// Hamiltonian Monte Carlo with a diagonal mass matrix. Arrays: x, g, x', g(x'), p.
///
/// Leapfrog, with the two half kicks between consecutive drifts merged into one:
///   p ← p − ε/2 g(x);  L times { x ← x + ε M⁻¹ p;  g ← g(x);  p ← p − ε g (ε/2 on the last) }.
template <class L, class View>
struct HmcStep {
  static constexpr int kArrays = 5;
  using T = typename L::Real;
  using V = typename L::V;
  using M = typename L::M;

  View x, g, xp, gp, p;
  int d;
  T eps;
  T jitter;
  int n_leapfrog;
  const T* inv_mass;
  const T* mass_sqrt;
  V ex;

  template <class Arrays>
  EBM_HD_INLINE HmcStep(const SamplerParams<T>& prm, Arrays arrays, int dim)
      : x(arrays(0)), g(arrays(1)), xp(arrays(2)), gp(arrays(3)), p(arrays(4)), d(dim),
        eps(prm.step_size), jitter(prm.step_size_jitter), n_leapfrog(prm.n_leapfrog),
        inv_mass(prm.inv_mass), mass_sqrt(prm.mass_sqrt), ex(L::splat(T(0))) {}

  template <class Energy>
  EBM_HD_INLINE void init(const Energy& f) {
    ex = energy_and_gradient<L>(f, x, g, d);
  }

  template <class Energy>
  EBM_HD_INLINE M advance(const Energy& f, PhiloxKey key, typename L::U chain, uint64_t step) {
    V eps_t = L::splat(eps);  // this transition's step size, per lane
    if (jitter > T(0)) {
      const V u = jitter_uniform<L>(key, chain, step);
      eps_t = eps * (T(1) + jitter * (T(2) * u - T(1)));
    }
    const V half = T(0.5) * eps_t;
    fill_normals<L>(key, chain, step, d, p);
    V kinetic0 = L::splat(T(0));
    for (int j = 0; j < d; ++j) {
      const V pj = mass_sqrt[j] * p[j];
      kinetic0 = kinetic0 + inv_mass[j] * pj * pj;
      xp[j] = x[j];
      p[j] = pj - half * g[j];
    }
    V ep = ex;
    for (int l = 0; l < n_leapfrog; ++l) {
      for (int j = 0; j < d; ++j) xp[j] = xp[j] + eps_t * inv_mass[j] * p[j];
      const bool last = l + 1 == n_leapfrog;
      if (last) {
        ep = energy_and_gradient<L>(f, xp, gp, d);
      } else {
        gradient<L>(f, xp, gp, d);
      }
      const V kick = last ? half : eps_t;
      for (int j = 0; j < d; ++j) p[j] = p[j] - kick * gp[j];
    }
    V kinetic1 = L::splat(T(0));
    for (int j = 0; j < d; ++j) kinetic1 = kinetic1 + inv_mass[j] * p[j] * p[j];
    const V h0 = ex + T(0.5) * kinetic0;
    const V h1 = ep + T(0.5) * kinetic1;
    const M accept =
        (accept_log_uniform<L>(key, chain, step) < h0 - h1) & !L::not_finite(h1);
    for (int j = 0; j < d; ++j) {
      x[j] = L::select(accept, xp[j], x[j]);
      g[j] = L::select(accept, gp[j], g[j]);
    }
    ex = L::select(accept, ep, ex);
    return accept;
  }

  template <class Energy>
  EBM_HD_INLINE V final_energy(const Energy&) const {
    return ex;
  }

  EBM_HD_INLINE M energy_non_finite() const { return L::not_finite(ex); }
};

}  // namespace ebm
