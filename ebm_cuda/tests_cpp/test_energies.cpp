// Energies and analytic gradients against direct formulas and central finite differences,
// and the SIMD lanes against the scalar code.
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "check.h"
#include "cpu/pack_lanes.h"
#include "ebm/energies.h"
#include "ebm/lanes.h"

namespace {

using S = ebm::ScalarLanes<double>;
using Vec = std::vector<double>;

/// Central differences of E at x, step h.
template <class Energy>
Vec finite_difference_gradient(const Energy& f, Vec x, double h) {
  Vec g(x.size());
  for (size_t j = 0; j < x.size(); ++j) {
    const double keep = x[j];
    x[j] = keep + h;
    const double up = ebm::energy<S>(f, x.data(), static_cast<int>(x.size()));
    x[j] = keep - h;
    const double down = ebm::energy<S>(f, x.data(), static_cast<int>(x.size()));
    x[j] = keep;
    g[j] = (up - down) / (2 * h);
  }
  return g;
}

/// E(x) matches `reference`, ∇E matches finite differences, energy_and_gradient agrees with both.
template <class Energy>
void check_energy(const char* name, const Energy& f, const Vec& x,
                  const std::function<double(const Vec&)>& reference) {
  const int d = static_cast<int>(x.size());
  const double e = ebm::energy<S>(f, x.data(), d);
  const double want = reference(x);
  CHECK(std::fabs(e - want) <= 1e-12 * (1 + std::fabs(want)), name, ": E = ", e, " want ", want);
  Vec g(d), g2(d);
  ebm::gradient<S>(f, x.data(), g.data(), d);
  const double e2 = ebm::energy_and_gradient<S>(f, x.data(), g2.data(), d);
  CHECK(e2 == e, name, ": energy_and_gradient energy ", e2, " vs ", e);
  const Vec fd = finite_difference_gradient(f, x, 1e-5);
  for (int j = 0; j < d; ++j) {
    CHECK(g2[j] == g[j], name, ": gradient variants differ at ", j);
    CHECK(std::fabs(g[j] - fd[j]) <= 1e-6 * (1 + std::fabs(fd[j])), name, ": dE/dx", j, " = ",
          g[j], " finite differences ", fd[j]);
  }
}

/// PackLanes<T> evaluation of `f` equals ScalarLanes<T> lane by lane.
template <class T, class Energy>
void check_lanes(const char* name, const Energy& f, int d) {
  using L = ebm::cpu::PackLanes<T>;
  std::vector<typename L::V> x(d), g(d);
  for (int j = 0; j < d; ++j)
    for (int l = 0; l < L::width; ++l) x[j][l] = static_cast<T>(std::sin(1.7 * j + 0.9 * l) * 1.3);
  const auto e = ebm::energy_and_gradient<L>(f, x.data(), g.data(), d);
  std::vector<T> xs(d), gs(d);
  for (int l = 0; l < L::width; ++l) {
    for (int j = 0; j < d; ++j) xs[j] = x[j][l];
    const T es = ebm::energy_and_gradient<ebm::ScalarLanes<T>>(f, xs.data(), gs.data(), d);
    CHECK(e[l] == es, name, ": lane ", l, " energy");
    for (int j = 0; j < d; ++j) CHECK(g[j][l] == gs[j], name, ": lane ", l, " gradient ", j);
  }
}

}  // namespace

int main() {
  const Vec x = {0.3, -1.2, 0.7, 1.9, -0.4};
  const int d = static_cast<int>(x.size());
  const Vec mean = {0.1, -0.2, 0.3, 0.0, 0.5};
  const Vec diag = {1.0, 2.0, 0.5, 4.0, 1.5};
  Vec full(d * d);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) full[i * d + j] = (i == j ? 3.0 : 0.0) + 0.2 / (1 + std::abs(i - j));
  const Vec center = {1.0, 0.0, -1.0, 2.0, 0.5};

  check_energy("gaussian_diag", ebm::GaussianDiag<double>{mean.data(), diag.data()}, x,
               [&](const Vec& v) {
                 double e = 0;
                 for (int j = 0; j < d; ++j) e += 0.5 * diag[j] * (v[j] - mean[j]) * (v[j] - mean[j]);
                 return e;
               });
  check_energy("gaussian_full", ebm::GaussianFull<double>{mean.data(), full.data()}, x,
               [&](const Vec& v) {
                 double e = 0;
                 for (int i = 0; i < d; ++i)
                   for (int j = 0; j < d; ++j) e += 0.5 * (v[i] - mean[i]) * full[i * d + j] * (v[j] - mean[j]);
                 return e;
               });
  check_energy("double_well", ebm::DoubleWell<double>{2.5, 1.3}, x, [&](const Vec& v) {
    double e = 0;
    for (double vj : v) e += 2.5 * std::pow(vj * vj - 1.69, 2);
    return e;
  });
  check_energy("rosenbrock", ebm::Rosenbrock<double>{1.0, 100.0}, x, [&](const Vec& v) {
    double e = 0;
    for (int i = 0; i + 1 < d; ++i) e += 100.0 * std::pow(v[i + 1] - v[i] * v[i], 2) + std::pow(1.0 - v[i], 2);
    return e;
  });
  check_energy("rosenbrock_1d", ebm::Rosenbrock<double>{1.0, 100.0}, Vec{0.4}, [](const Vec&) { return 0.0; });
  check_energy("harmonic", ebm::Harmonic<double>{0.7, center.data()}, x, [&](const Vec& v) {
    double e = 0;
    for (int j = 0; j < d; ++j) e += 0.35 * (v[j] - center[j]) * (v[j] - center[j]);
    return e;
  });

  const std::vector<float> mean_f(mean.begin(), mean.end()), diag_f(diag.begin(), diag.end()),
      full_f(full.begin(), full.end()), center_f(center.begin(), center.end());
  check_lanes<float>("gaussian_diag", ebm::GaussianDiag<float>{mean_f.data(), diag_f.data()}, d);
  check_lanes<float>("gaussian_full", ebm::GaussianFull<float>{mean_f.data(), full_f.data()}, d);
  check_lanes<float>("double_well", ebm::DoubleWell<float>{2.5f, 1.3f}, d);
  check_lanes<float>("rosenbrock", ebm::Rosenbrock<float>{1.0f, 100.0f}, d);
  check_lanes<float>("harmonic", ebm::Harmonic<float>{0.7f, center_f.data()}, d);
  check_lanes<double>("gaussian_full", ebm::GaussianFull<double>{mean.data(), full.data()}, d);
  check_lanes<double>("rosenbrock", ebm::Rosenbrock<double>{1.0, 100.0}, d);
  return ebm_test::report("energies");
}
