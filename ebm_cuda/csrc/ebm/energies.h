// The analytic energies, E(x) and ∇E(x), for every lane type.
//
// Each energy is a small struct of parameters (device pointers on the GPU) with one method,
//     template <class L, bool kEnergy, bool kGrad, class X, class G>
//     V eval(X x, G g, int d) const;
// which returns E(x) when kEnergy and writes ∇E(x) into g when kGrad. X and G are indexable
// views of d lanes values (a pointer, or a strided view of interleaved chain state). The free
// functions energy / gradient / energy_and_gradient pick the variant. Parameter names follow
// ebm_core.kernels (the contract) exactly.
#pragma once

#include "hd.h"

namespace ebm {

/// E(x) = ½ Σⱼ pⱼ (xⱼ − μⱼ)²  (diagonal precision p),  ∂E/∂xⱼ = pⱼ (xⱼ − μⱼ).
template <class T>
struct GaussianDiag {
  const T* mean;
  const T* precision_diag;

  template <class L, bool kEnergy, bool kGrad, class X, class G>
  EBM_HD_INLINE typename L::V eval(X x, G g, int d) const {
    typename L::V e = L::splat(T(0));
    for (int j = 0; j < d; ++j) {
      const auto r = x[j] - mean[j];
      const auto gj = precision_diag[j] * r;
      if constexpr (kGrad) g[j] = gj;
      if constexpr (kEnergy) e = e + r * gj;
    }
    return e * T(0.5);
  }
};

/// E(x) = ½ (x − μ)ᵀ P (x − μ) with P symmetric (the wrapper passes (P + Pᵀ)/2),
/// ∇E = P (x − μ). P is row-major d×d.
template <class T>
struct GaussianFull {
  const T* mean;
  const T* precision;

  template <class L, bool kEnergy, bool kGrad, class X, class G>
  EBM_HD_INLINE typename L::V eval(X x, G g, int d) const {
    typename L::V e = L::splat(T(0));
    for (int i = 0; i < d; ++i) {
      typename L::V gi = L::splat(T(0));
      const T* row = precision + static_cast<long long>(i) * d;
      for (int j = 0; j < d; ++j) gi = gi + row[j] * (x[j] - mean[j]);
      if constexpr (kGrad) g[i] = gi;
      if constexpr (kEnergy) e = e + (x[i] - mean[i]) * gi;
    }
    return e * T(0.5);
  }
};

/// E(x) = h Σⱼ (xⱼ² − b²)²,  ∂E/∂xⱼ = 4h xⱼ (xⱼ² − b²). Minima at xⱼ = ±b, barrier h per coordinate.
template <class T>
struct DoubleWell {
  T barrier_height;
  T b;

  template <class L, bool kEnergy, bool kGrad, class X, class G>
  EBM_HD_INLINE typename L::V eval(X x, G g, int d) const {
    const T b2 = b * b;
    const T four_h = T(4) * barrier_height;
    typename L::V e = L::splat(T(0));
    for (int j = 0; j < d; ++j) {
      const auto xj = x[j];
      const auto q = xj * xj - b2;
      if constexpr (kGrad) g[j] = four_h * xj * q;
      if constexpr (kEnergy) e = e + q * q;
    }
    return e * barrier_height;
  }
};

/// E(x) = Σᵢ₌₀^{d−2} b (xᵢ₊₁ − xᵢ²)² + (a − xᵢ)²  (zero for d = 1).
///
/// With tᵢ = xᵢ₊₁ − xᵢ²:  ∂E/∂xᵢ = −4b xᵢ tᵢ − 2(a − xᵢ)  [i < d−1]  + 2b tᵢ₋₁  [i > 0].
template <class T>
struct Rosenbrock {
  T a;
  T b;

  template <class L, bool kEnergy, bool kGrad, class X, class G>
  EBM_HD_INLINE typename L::V eval(X x, G g, int d) const {
    using V = typename L::V;
    V e = L::splat(T(0));
    V t_prev = L::splat(T(0));
    for (int i = 0; i < d; ++i) {
      const V xi = x[i];
      V gi = T(2) * b * t_prev;  // zero for i = 0
      if (i + 1 < d) {
        const V t = x[i + 1] - xi * xi;
        const V u = a - xi;
        if constexpr (kEnergy) e = e + b * t * t + u * u;
        gi = gi - T(4) * b * xi * t - T(2) * u;
        t_prev = t;
      }
      if constexpr (kGrad) g[i] = gi;
    }
    return e;
  }
};

/// E(x) = ½ k ‖x − c‖²,  ∇E = k (x − c).
template <class T>
struct Harmonic {
  T k;
  const T* center;

  template <class L, bool kEnergy, bool kGrad, class X, class G>
  EBM_HD_INLINE typename L::V eval(X x, G g, int d) const {
    typename L::V e = L::splat(T(0));
    for (int j = 0; j < d; ++j) {
      const auto r = x[j] - center[j];
      if constexpr (kGrad) g[j] = k * r;
      if constexpr (kEnergy) e = e + r * r;
    }
    return e * (T(0.5) * k);
  }
};

/// E(x).
template <class L, class Energy, class X>
EBM_HD_INLINE typename L::V energy(const Energy& f, X x, int d) {
  return f.template eval<L, true, false>(x, x, d);
}

/// g ← ∇E(x).
template <class L, class Energy, class X, class G>
EBM_HD_INLINE void gradient(const Energy& f, X x, G g, int d) {
  f.template eval<L, false, true>(x, g, d);
}

/// g ← ∇E(x); returns E(x).
template <class L, class Energy, class X, class G>
EBM_HD_INLINE typename L::V energy_and_gradient(const Energy& f, X x, G g, int d) {
  return f.template eval<L, true, true>(x, g, d);
}

}  // namespace ebm
