// The polynomial log / sincos of math.h against the C library in higher precision, the SIMD
// lanes against the scalar code (bit for bit), and the Box–Muller normals' first moments.
#include <cmath>
#include <cstdint>
#include <vector>

#include "check.h"
#include "cpu/pack_lanes.h"
#include "ebm/lanes.h"
#include "ebm/math.h"
#include "ebm/random.h"

namespace {

using ebm::ScalarLanes;
using ebm::cpu::PackLanes;

/// Units in the last place of x in precision T.
template <class T>
double ulp(double x) {
  const int digits = std::numeric_limits<T>::digits;
  int exponent = 0;
  std::frexp(x == 0 ? std::numeric_limits<T>::min() : x, &exponent);
  return std::ldexp(1.0, exponent - digits);
}

/// Worst error of log_unit over u = k·2^-bits (k = 1 … 2^bits, strided), in ulps of the result.
template <class T>
double worst_log_ulps(int bits, uint64_t stride) {
  double worst = 0;
  const uint64_t top = uint64_t(1) << bits;
  for (uint64_t k = 1; k <= top; k += stride) {
    const T u = static_cast<T>(std::ldexp(static_cast<double>(k), -bits));
    const T got = ebm::log_unit<ScalarLanes<T>>(u);
    const long double want = std::log(static_cast<long double>(u));
    const double err = std::fabs(static_cast<double>(got - want)) / ulp<T>(static_cast<double>(want));
    if (want != 0 && err > worst) worst = err;
    if (want == 0) CHECK(got == 0, "log(1) = ", got);
  }
  return worst;
}

/// Worst absolute error of sin/cos(2πu) over u = k/n.
template <class T>
double worst_sincos_error(int n) {
  double worst = 0;
  for (int k = 0; k < n; ++k) {
    const T u = static_cast<T>(static_cast<double>(k) / n);
    T s, c;
    ebm::sincos_2pi<ScalarLanes<T>>(u, s, c);
    const long double angle = 2.0L * 3.14159265358979323846264338327950288L * static_cast<long double>(u);
    const double es = std::fabs(static_cast<double>(s - std::sin(angle)));
    const double ec = std::fabs(static_cast<double>(c - std::cos(angle)));
    worst = std::fmax(worst, std::fmax(es, ec));
  }
  return worst;
}

/// Lanes of PackLanes<T> give exactly the scalar results.
template <class T>
void check_lanes_match_scalar() {
  using L = PackLanes<T>;
  typename L::V u;
  for (int l = 0; l < L::width; ++l) u[l] = static_cast<T>((l + 1.0) / (L::width + 1.5));
  const auto logs = ebm::log_unit<L>(u);
  typename L::V s, c;
  ebm::sincos_2pi<L>(u, s, c);
  for (int l = 0; l < L::width; ++l) {
    T ss, cc;
    ebm::sincos_2pi<ScalarLanes<T>>(u[l], ss, cc);
    CHECK(logs[l] == ebm::log_unit<ScalarLanes<T>>(u[l]), "lane ", l);
    CHECK(s[l] == ss && c[l] == cc, "lane ", l);
  }
}

/// Mean, variance and fourth moment of the normals of chains 0..n−1 at one step, as z-scores.
template <class T>
void check_normal_moments() {
  const int n = 200000;
  const int d = 5;
  std::vector<T> z(d);
  double sum = 0, sum2 = 0, sum4 = 0;
  const auto key = ebm::PhiloxKey::from_seed(20240611);
  for (int c = 0; c < n; ++c) {
    ebm::fill_normals<ScalarLanes<T>>(key, static_cast<uint32_t>(c), 3, d, z.data());
    for (T v : z) {
      sum += v;
      sum2 += double(v) * v;
      sum4 += double(v) * v * v * v;
    }
  }
  const double m = n * d;
  // Standard errors of the sample moments of N(0, 1): sqrt(1/m), sqrt(2/m), sqrt(96/m).
  CHECK(std::fabs(sum / m) / std::sqrt(1 / m) < 5, "mean ", sum / m);
  CHECK(std::fabs(sum2 / m - 1) / std::sqrt(2 / m) < 5, "variance ", sum2 / m);
  CHECK(std::fabs(sum4 / m - 3) / std::sqrt(96 / m) < 5, "fourth moment ", sum4 / m);
}

}  // namespace

int main() {
  const double log_f = worst_log_ulps<float>(24, 1);
  const double log_d = worst_log_ulps<double>(53, (uint64_t(1) << 53) / 3000017);
  std::printf("log_unit worst error: float %.3f ulp, double %.3f ulp\n", log_f, log_d);
  CHECK(log_f <= 2.0, "float log error ", log_f, " ulp");
  CHECK(log_d <= 2.0, "double log error ", log_d, " ulp");

  const double sc_f = worst_sincos_error<float>(1 << 20);
  const double sc_d = worst_sincos_error<double>(1 << 20);
  std::printf("sincos_2pi worst absolute error: float %.3g, double %.3g\n", sc_f, sc_d);
  CHECK(sc_f <= 2.0 * 0x1p-24, "float sincos error ", sc_f);
  CHECK(sc_d <= 2.0 * 0x1p-53, "double sincos error ", sc_d);

  check_lanes_match_scalar<float>();
  check_lanes_match_scalar<double>();
  check_normal_moments<float>();
  check_normal_moments<double>();

  // Uniform edges: (0, 1] never yields 0; [0, 1) never yields 1.
  using S = ScalarLanes<float>;
  CHECK(ebm::uniform_oc<S>(0u) == 0x1p-24f && ebm::uniform_oc<S>(0xFFFFFFFFu) == 1.0f, "");
  CHECK(ebm::uniform_co<S>(0u) == 0.0f && ebm::uniform_co<S>(0xFFFFFFFFu) < 1.0f, "");
  using D = ScalarLanes<double>;
  CHECK(ebm::uniform_oc<D>(0u, 0u) == 0x1p-53 && ebm::uniform_oc<D>(~0u, ~0u) == 1.0, "");
  CHECK(ebm::uniform_co<D>(0u, 0u) == 0.0 && ebm::uniform_co<D>(~0u, ~0u) < 1.0, "");
  return ebm_test::report("math");
}
