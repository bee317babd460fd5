// The fused MLP Langevin chain on the CPU: K ULA steps of an MLP energy with SiLU in one call.
//
// Chains are cut into blocks of B rows, B sized so that a block's activations stay in the L2
// cache; each OpenMP thread takes whole blocks and runs all K steps on them (chains are
// independent), so threads never wait for each other. One step of a block — rows are chains,
// P_l is H_l rounded up to the SIMD width, and the padding of every weight is zero, so padded
// columns stay 0 and never reach a true one:
//
//   forward    z₁ = x W₁ᵀ              by hand, row by row, when d ≤ 8 (else the platform GEMM)
//              z_l = a_{l−1} W_lᵀ       platform GEMM (sgemm_, see blas.h), l = 2 … L
//              then ONE pass per layer: with u = z + b_l and σ = sigmoid(u),
//              a_l = u σ,  s_l = σ (1 + u (1 − σ))            (SiLU, SiLU′; l < L)
//              g_L = w_out ⊙ σ (1 + u (1 − σ))               (the output layer's backward, l = L)
//   backward   g_{l−1} = (g_l W_l) ⊙ s_{l−1}                   GEMM, then one pass, l = L … 2
//              ∇E = g₁ W₁                by hand (d ≤ 8; else GEMM), fused row by row with
//   update     x ← clamp(x − h ∇E + σ_T √(2h) ξ)
//
// ξ comes from Philox with counter (block j/4, chain, step) — the numbers every ebm-cuda kernel
// draws (ebm_cuda.random.sample_normals) — so a run depends on the seed alone, not on B or the
// thread count. Divergence (ebm_core.sampling.divergence): a chain whose ∇E or x has a
// non-finite element after any step, or (when energy_out is set) whose final energy is
// non-finite, is flagged (sticky). The final energy is one more forward pass, run only when
// energy_out is set (ULA does not carry E; ebm_core evaluates it when a caller reads it); no
// gradient is taken at the final state.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../ebm/langevin.h"
#include "../ebm/mlp_args.h"
#include "../ebm/update.h"
#include "blas.h"
#include "cpu_backend.h"
#include "pack_lanes.h"
#include "simd_float.h"

#ifndef EBM_CPU_ISA
#error "compile with -DEBM_CPU_ISA=<namespace> (see CMakeLists.txt)"
#endif

namespace ebm::cpu::EBM_CPU_ISA {
namespace {

using namespace simd;
using S = ScalarLanes<float>;
constexpr int kNormals = kNormalsPerBlock<float>;
constexpr int64_t kHandFanIn = 8;            // first layer by hand up to this input dimension
constexpr int64_t kBlockBytes = 512 * 1024;  // a block's workspace, to stay in L2
constexpr int64_t kMaxBlock = 512;

/// One aligned float buffer.
struct Buffer {
  std::unique_ptr<float, decltype(&std::free)> ptr{nullptr, &std::free};
  explicit Buffer(int64_t n = 0) {
    if (n == 0) return;
    void* p = std::aligned_alloc(64, static_cast<size_t>(round_up(n * 4, 64)));
    if (p == nullptr) throw std::bad_alloc();
    std::memset(p, 0, static_cast<size_t>(round_up(n * 4, 64)));
    ptr.reset(static_cast<float*>(p));
  }
  float* get() const { return ptr.get(); }
};

/// The network with every width padded to the SIMD width (zero padding), shared read-only.
struct Net {
  int64_t d = 0, layers = 0, widest = 0;
  std::vector<int64_t> pad;       // P_0 = d (the input is not padded), P_1 … P_L
  std::vector<Buffer> weight;     // weight[l], (P_l × P_{l−1}); weight[0] unused
  std::vector<Buffer> bias;       // bias[l], (P_l,)
  Buffer w1t;                     // W₁ᵀ, (d × P_1), for the hand-written first layer
  Buffer w_out;                   // (P_L,)
  float b_out = 0;
  bool hand = false;

  explicit Net(const MlpChainArgs& a) : d(a.dim), layers(static_cast<int64_t>(a.widths.size())) {
    hand = d <= kHandFanIn;
    pad.push_back(d);
    weight.emplace_back();
    bias.emplace_back();
    for (int64_t l = 1; l <= layers; ++l) {
      const int64_t rows = a.widths[l - 1], cols = l == 1 ? d : a.widths[l - 2];
      const int64_t p = round_up(rows, kW), q = pad[l - 1];
      pad.push_back(p);
      widest = std::max(widest, p);
      weight.emplace_back(p * q);
      bias.emplace_back(p);
      const float* w = reinterpret_cast<const float*>(a.weights[l - 1]);
      const float* b = reinterpret_cast<const float*>(a.biases[l - 1]);
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < cols; ++j) weight[l].get()[i * q + j] = w[i * cols + j];
        bias[l].get()[i] = b[i];
      }
    }
    w1t = Buffer(d * pad[1]);
    for (int64_t i = 0; i < a.widths[0]; ++i)
      for (int64_t k = 0; k < d; ++k) w1t.get()[k * pad[1] + i] = weight[1].get()[i * d + k];
    w_out = Buffer(pad[layers]);
    std::memcpy(w_out.get(), reinterpret_cast<const float*>(a.w_out),
                static_cast<size_t>(a.widths.back()) * 4);
    b_out = static_cast<float>(a.b_out);
  }

  /// Floats of workspace per chain (see Workspace).
  int64_t floats_per_chain() const {
    int64_t n = 2 * widest + kW * d;
    for (int64_t l = 1; l < layers; ++l) n += pad[l];
    return n;
  }
};

/// One thread's buffers for a block of up to `rows` chains.
struct Workspace {
  Buffer ping, pong;           // (rows × widest): activations forward, gradients backward
  std::vector<Buffer> slope;   // slope[l] = s_l (rows × P_l), l = 1 … L − 1
  Buffer grad_x;               // (rows × d): ∇E when the first layer runs as a GEMM
  Buffer noise;                // (kW × d): one SIMD group's normals
  Workspace(const Net& net, int64_t rows)
      : ping(rows * net.widest), pong(rows * net.widest), grad_x(rows * net.d), noise(kW * net.d) {
    slope.emplace_back();
    for (int64_t l = 1; l < net.layers; ++l) slope.emplace_back(rows * net.pad[l]);
  }
};

/// z ← SiLU(z + b), s ← SiLU′(z + b) over `rows` rows of width p.
void hidden_pass(float* z, float* s, const float* b, int64_t rows, int64_t p) {
  for (int64_t r = 0; r < rows; ++r) {
    float* zr = z + r * p;
    float* sr = s + r * p;
    for (int64_t j = 0; j < p; j += kW) {
      const V u = load(zr + j) + load(b + j);
      const V sig = sigmoid(u);
      store(zr + j, u * sig);
      store(sr + j, silu_slope(u, sig));
    }
  }
}

/// z ← w_out ⊙ SiLU′(z + b): the output layer's backward, fused into the last activation.
void output_grad_pass(float* z, const float* b, const float* w_out, int64_t rows, int64_t p) {
  for (int64_t r = 0; r < rows; ++r) {
    float* zr = z + r * p;
    for (int64_t j = 0; j < p; j += kW) {
      const V u = load(zr + j) + load(b + j);
      const V sig = sigmoid(u);
      store(zr + j, load(w_out + j) * silu_slope(u, sig));
    }
  }
}

/// e_r ← b_out + Σ_j w_out_j SiLU(z_rj + b_j).
void output_energy(const float* z, const float* b, const float* w_out, float b_out, int64_t rows,
                   int64_t p, float* e) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* zr = z + r * p;
    V acc{};
    for (int64_t j = 0; j < p; j += kW) {
      const V u = load(zr + j) + load(b + j);
      acc += load(w_out + j) * (u * sigmoid(u));
    }
    e[r] = hsum(acc) + b_out;
  }
}

/// g ← g ⊙ s (in place).
void scale_pass(float* g, const float* s, int64_t rows, int64_t p) {
  for (int64_t i = 0; i < rows * p; i += kW) store(g + i, load(g + i) * load(s + i));
}

/// The first layer by hand for a fan-in of D (1 … kHandFanIn), D a compile-time constant so
/// that its loops unroll and the D accumulators of the backward stay in registers.
template <int64_t D>
struct HandLayerOf {
  /// z = x W₁ᵀ for `rows` rows (w1t: W₁ᵀ, D × p).
  static void first_layer(const float* x, int64_t rows, const float* w1t, int64_t p, float* z) {
    for (int64_t r = 0; r < rows; ++r) {
      float* zr = z + r * p;
      for (int64_t j = 0; j < p; j += kW) {
        V acc{};
        for (int64_t k = 0; k < D; ++k) acc += x[r * D + k] * load(w1t + k * p + j);
        store(zr + j, acc);
      }
    }
  }
  /// grad = (g ⊙ s) W₁ for one row (s null: g already scaled).
  static void grad(const float* g, const float* s, const float* w1t, int64_t p, float* grad) {
    V acc[D] = {};
    for (int64_t j = 0; j < p; j += kW) {
      V gj = load(g + j);
      if (s != nullptr) gj *= load(s + j);
      for (int64_t k = 0; k < D; ++k) acc[k] += gj * load(w1t + k * p + j);
    }
    for (int64_t k = 0; k < D; ++k) grad[k] = hsum(acc[k]);
  }
};

/// HandLayerOf<d>'s two functions, chosen once per call for the run-time d.
struct HandLayer {
  void (*first_layer)(const float*, int64_t, const float*, int64_t, float*);
  void (*grad)(const float*, const float*, const float*, int64_t, float*);

  static HandLayer of(int64_t d) {
    static_assert(kHandFanIn == 8, "one HandLayerOf per fan-in up to kHandFanIn");
    switch (d) {
      case 1: return make<1>();
      case 2: return make<2>();
      case 3: return make<3>();
      case 4: return make<4>();
      case 5: return make<5>();
      case 6: return make<6>();
      case 7: return make<7>();
      case 8: return make<8>();
      default: throw std::logic_error("HandLayer::of: fan-in outside 1 … kHandFanIn");
    }
  }
  template <int64_t D>
  static HandLayer make() { return {&HandLayerOf<D>::first_layer, &HandLayerOf<D>::grad}; }
};

/// One fused run over the chains of one block.
class BlockRunner {
 public:
  BlockRunner(const MlpChainArgs& a, const Net& net, Workspace& ws)
      : a_(a), net_(net), ws_(ws), sgemm_(reinterpret_cast<Sgemm>(a.sgemm)),
        move_(LangevinMove<float>::make(static_cast<float>(a.step_size),
                                        static_cast<float>(a.noise_scale),
                                        static_cast<float>(a.clamp), a.has_clamp)),
        key_(PhiloxKey::from_seed(a.seed)) {}

  /// Runs every step for chains [c0, c0 + rows): x (rows × d) in place, flags in divergent.
  void run(int64_t c0, int64_t rows, float* x, uint8_t* divergent, float* energy) {
    const int64_t kept = a_.record_trajectory ? (a_.n_steps - a_.burn_in) / a_.thin : 0;
    float* trajectory = reinterpret_cast<float*>(a_.trajectory);
    for (int64_t t = 0; t < a_.n_steps; ++t) {
      float* g = forward(x, rows, nullptr);
      step(c0, rows, x, g, static_cast<uint64_t>(t), divergent);
      const int64_t after = t + 1 - a_.burn_in;
      if (kept > 0 && after > 0 && after % a_.thin == 0) {
        const int64_t k = after / a_.thin - 1;
        for (int64_t r = 0; r < rows; ++r)
          std::memcpy(trajectory + ((c0 + r) * kept + k) * net_.d, x + r * net_.d,
                      static_cast<size_t>(net_.d) * 4);
      }
    }
    if (energy == nullptr) return;  // no final energy asked for
    forward(x, rows, energy);
    for (int64_t r = 0; r < rows; ++r)
      divergent[r] |= !(energy[r] - energy[r] == 0.0f);
  }

 private:
  /// Forward pass. With `energy` null: returns the buffer holding g_L = w_out ⊙ s_L (and
  /// leaves s_l in the workspace); otherwise writes E(x) into `energy`.
  float* forward(const float* x, int64_t rows, float* energy) {
    const int64_t last = net_.layers;
    float* in = ws_.ping.get();
    float* out = ws_.pong.get();
    for (int64_t l = 1; l <= last; ++l) {
      const int64_t p = net_.pad[l];
      if (l == 1 && net_.hand) {
        first_layer_by_hand(x, rows, out);
      } else {
        const float* a_in = l == 1 ? x : in;
        gemm_rowmajor(sgemm_, false, true, rows, p, net_.pad[l - 1], a_in, net_.pad[l - 1],
                      net_.weight[l].get(), net_.pad[l - 1], out, p);
      }
      if (l < last) {
        hidden_pass(out, ws_.slope[l].get(), net_.bias[l].get(), rows, p);
      } else if (energy == nullptr) {
        output_grad_pass(out, net_.bias[l].get(), net_.w_out.get(), rows, p);
      } else {
        output_energy(out, net_.bias[l].get(), net_.w_out.get(), net_.b_out, rows, p, energy);
      }
      std::swap(in, out);
    }
    return in;
  }

  /// z₁ = x W₁ᵀ, row by row (fan-in d ≤ kHandFanIn).
  void first_layer_by_hand(const float* x, int64_t rows, float* z) const {
    hand_.first_layer(x, rows, net_.w1t.get(), net_.pad[1], z);
  }

  /// Backward from g_L (in `g`), then the Langevin update of every row.
  void step(int64_t c0, int64_t rows, float* x, float* g, uint64_t t, uint8_t* divergent) {
    const int64_t d = net_.d;
    float* other = g == ws_.ping.get() ? ws_.pong.get() : ws_.ping.get();
    for (int64_t l = net_.layers; l >= 2; --l) {
      gemm_rowmajor(sgemm_, false, false, rows, net_.pad[l - 1], net_.pad[l], g, net_.pad[l],
                    net_.weight[l].get(), net_.pad[l - 1], other, net_.pad[l - 1]);
      // The ⊙ s₁ of the first layer is fused into the hand-written ∇E below.
      if (l - 1 > 1 || !net_.hand) scale_pass(other, ws_.slope[l - 1].get(), rows, net_.pad[l - 1]);
      std::swap(g, other);
    }
    const float* s1 = net_.hand && net_.layers > 1 ? ws_.slope[1].get() : nullptr;
    if (!net_.hand)
      gemm_rowmajor(sgemm_, false, false, rows, d, net_.pad[1], g, net_.pad[1],
                    net_.weight[1].get(), d, ws_.grad_x.get(), d);
    const int64_t p1 = net_.pad[1];
    float* noise = ws_.noise.get();
    for (int64_t r0 = 0; r0 < rows; r0 += kW) {
      group_normals(static_cast<uint32_t>(c0 + r0), t, noise);
      const int64_t lanes = std::min<int64_t>(kW, rows - r0);
      for (int64_t lane = 0; lane < lanes; ++lane) {
        const int64_t r = r0 + lane;
        float grad[kHandFanIn];
        const float* gx = ws_.grad_x.get() + r * d;
        if (net_.hand) {
          grad_by_hand(g + r * p1, s1 == nullptr ? nullptr : s1 + r * p1, grad);
          gx = grad;
        }
        bool bad = false;
        for (int64_t k = 0; k < d; ++k) {
          const float y = move_.clamp<S>(move_.unclamped<S>(x[r * d + k], gx[k], noise[lane * d + k]));
          x[r * d + k] = y;
          bad |= !(gx[k] - gx[k] == 0.0f) || !(y - y == 0.0f);
        }
        divergent[r] |= bad;
      }
    }
  }

  /// ∇E = (g₁ ⊙ s₁) W₁ for one row (s₁ null: g₁ already scaled).
  void grad_by_hand(const float* g, const float* s, float* grad) const {
    hand_.grad(g, s, net_.w1t.get(), net_.pad[1], grad);
  }

  /// noise[lane · d + k] ← normal k of chain first + lane at step t (the kernels' layout).
  void group_normals(uint32_t first, uint64_t t, float* noise) const {
    const int64_t d = net_.d;
    for (int64_t b = 0; b * kNormals < d; ++b) {
      V z[kNormals];
      block_normals<L>(key_, L::splat_u(static_cast<uint32_t>(b)), L::iota() + first, t, z);
      for (int k = 0; k < kNormals && b * kNormals + k < d; ++k)
        for (int lane = 0; lane < kW; ++lane) noise[lane * d + b * kNormals + k] = z[k][lane];
    }
  }

  const MlpChainArgs& a_;
  const Net& net_;
  Workspace& ws_;
  HandLayer hand_ = HandLayer::of(net_.hand ? net_.d : 1);
  Sgemm sgemm_;
  LangevinMove<float> move_;
  PhiloxKey key_;
};

void check(const MlpChainArgs& a) {
  const auto fail = [](const std::string& what) { throw std::invalid_argument("MlpChainArgs: " + what); };
  const size_t layers = a.widths.size();
  if (layers == 0) fail("widths is empty (at least one hidden layer)");
  if (a.weights.size() != layers || a.biases.size() != layers)
    fail("weights and biases need one entry per hidden layer");
  if (a.chains < 0 || a.dim < 1) fail("need chains >= 0 and dim >= 1");
  for (int64_t w : a.widths)
    if (w < 1) fail("every width must be >= 1");
  if (a.n_steps < 0 || a.burn_in < 0 || a.burn_in > a.n_steps || a.thin < 1)
    fail("need 0 <= burn_in <= n_steps and thin >= 1");
  if (a.block_chains < 0 || a.block_chains % kW != 0)
    fail("block_chains must be 0 (automatic) or a positive multiple of the SIMD width");
  if (a.sgemm == 0 || a.x0 == 0 || a.samples == 0 || a.divergent == 0 || a.w_out == 0)
    fail("a required pointer is null");
  if (a.record_trajectory && a.trajectory == 0) fail("record_trajectory needs a trajectory pointer");
}

}  // namespace

void run_mlp_langevin(const MlpChainArgs& a) {
  check(a);
  if (a.chains == 0) return;
  const Net net(a);
  const int threads = thread_count(a.n_threads);
  int64_t block = a.block_chains;
  if (block == 0) {
    block = kBlockBytes / (4 * net.floats_per_chain()) / kW * kW;
    const int64_t share = round_up((a.chains + threads - 1) / threads, kW);  // every thread busy
    block = std::max<int64_t>(kW, std::min({block, kMaxBlock, share}));
  }
  const int64_t blocks = (a.chains + block - 1) / block;
  float* samples = reinterpret_cast<float*>(a.samples);
  std::memcpy(samples, reinterpret_cast<const float*>(a.x0), static_cast<size_t>(a.chains * a.dim) * 4);
  float* energy = reinterpret_cast<float*>(a.energy_out);
  uint8_t* divergent = reinterpret_cast<uint8_t*>(a.divergent);
  std::memset(divergent, 0, static_cast<size_t>(a.chains));

  // Every thread joins even when there are fewer blocks: inside an active parallel region the
  // BLAS runs single-threaded (a lone block would otherwise let it start its own threads, which
  // on a busy machine spin — measured 20× slower). Blocks are handed out dynamically, so a
  // thread that the OS deschedules does not hold the others up.
#pragma omp parallel num_threads(threads)
  {
    Workspace ws(net, block);
    BlockRunner runner(a, net, ws);
#pragma omp for schedule(dynamic, 1)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t c0 = b * block;
      const int64_t rows = std::min(block, a.chains - c0);
      runner.run(c0, rows, samples + c0 * a.dim, divergent + c0, energy ? energy + c0 : nullptr);
    }
  }
}

}  // namespace ebm::cpu::EBM_CPU_ISA
