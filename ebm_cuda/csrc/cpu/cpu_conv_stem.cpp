// The fused stem of a conv energy on the CPU: its first 3×3 convolution (stride 1, zero padding
// 1, few input channels) with SiLU, forward and input gradient (see ebm/conv_stem_args.h).
//
// Why: with one input channel the convolution does 9 multiply-adds per output, so the layer
// is bound by memory, and torch moves its C_out-channel activation through memory five times
// — oneDNN writes z, SiLU reads z and writes a; backward, SiLU′ reads g and z and writes
// g ⊙ SiLU′(z), and oneDNN's input gradient reads that (12 GFLOP/s at 64 × 32 × 28 ×
// 28, the slowest layer of the W5/W6 benchmark net). Here, per image:
//
//   forward    one pass: z from the 9·C_in inputs of the pixel's window, a = z σ(z) written
//              channels-last (what the next, oneDNN, convolution reads) — z is not stored;
//   backward   one pass over g: z is recomputed from x (cheaper than storing and re-reading
//              it), g ⊙ SiLU′(z) is contracted with the 9·C_in taps of W and added into the
//              (zero-padded) input gradient.
//
// Vectorisation: forward over output channels (a pixel's C_out values are contiguous in a);
// backward over kW pixels of a row (each row of g is transposed to channel-major in a small
// buffer first, kW × kW tiles in registers), so the tap contraction needs no horizontal sums.
// At 64 × 32 × 28 × 28 (W6): forward 0.9 ms, backward 1.5 ms, against 6.0 ms for oneDNN's
// convolution, its input gradient, SiLU and SiLU′ inside the autograd gradient. OpenMP over images; every
// image's arithmetic is the same whatever the thread count. Compiled with FMA contraction
// (like cpu_mlp.cpp): results differ from torch's in rounding only.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../ebm/conv_stem_args.h"
#include "cpu_backend.h"
#include "simd_float.h"

namespace ebm::cpu::EBM_CPU_ISA {
namespace {

using namespace simd;

/// Shapes and repacked parameters shared by the forward and backward passes.
struct Stem {
  int64_t n, cin, h, w, cout, taps;  // taps T = 9·C_in, t = ci·9 + ky·3 + kx (torch's order)
  int64_t p;                         // C_out rounded up to kW
  int64_t wr;                        // W rounded up to kW (pixels per row, backward)
  int64_t hp, wp;                    // the zero-padded input plane: (H + 2) × (W_r + kW)
  const float* weight;               // (C_out, T), as torch stores it
  std::vector<float> wt;             // Wᵀ (T, P), zero-padded columns (forward)
  std::vector<float> bp;             // b, zero-padded to P

  explicit Stem(const ConvStemArgs& a)
      : n(a.images), cin(a.in_channels), h(a.height), w(a.width), cout(a.out_channels),
        taps(9 * a.in_channels), p(round_up(a.out_channels, kW)), wr(round_up(a.width, kW)),
        hp(a.height + 2), wp(round_up(a.width, kW) + kW),
        weight(reinterpret_cast<const float*>(a.weight)), wt(taps * p, 0.0f), bp(p, 0.0f) {
    const float* b = reinterpret_cast<const float*>(a.bias);
    for (int64_t c = 0; c < cout; ++c) {
      bp[c] = b[c];
      for (int64_t t = 0; t < taps; ++t) wt[t * p + c] = weight[c * taps + t];
    }
  }

  int64_t plane() const { return hp * wp; }

  /// xp ← image `image` of x, zero-padded: xp[ci][r][c] = x[ci][r − 1][c − 1].
  void pad_input(const float* x, int64_t image, float* xp) const {
    std::fill(xp, xp + cin * plane(), 0.0f);
    for (int64_t ci = 0; ci < cin; ++ci)
      for (int64_t i = 0; i < h; ++i)
        std::memcpy(xp + ci * plane() + (i + 1) * wp + 1, x + ((image * cin + ci) * h + i) * w,
                    static_cast<size_t>(w) * 4);
  }
};

/// a for one image; kVecs is P / kW when that is small (the weights then stay in registers
/// across pixels), 0 for any P.
template <int kVecs>
void forward_image(const Stem& s, const float* xp, float* a) {
  const int64_t vecs = kVecs > 0 ? kVecs : s.p / kW;
  constexpr int kMaxTaps = 9 * kConvStemMaxInChannels;
  float window[kMaxTaps];
  for (int64_t i = 0; i < s.h; ++i) {
    for (int64_t j = 0; j < s.w; ++j) {
      for (int64_t ci = 0; ci < s.cin; ++ci)
        for (int64_t ky = 0; ky < 3; ++ky)
          for (int64_t kx = 0; kx < 3; ++kx)
            window[ci * 9 + ky * 3 + kx] = xp[ci * s.plane() + (i + ky) * s.wp + j + kx];
      float* out = a + (i * s.w + j) * s.cout;
      for (int64_t v = 0; v < vecs; ++v) {
        const int64_t c = v * kW;
        V z = load(s.bp.data() + c);
        for (int64_t t = 0; t < s.taps; ++t) z += splat(window[t]) * load(s.wt.data() + t * s.p + c);
        const V act = z * sigmoid(z);
        if (c + kW <= s.cout) {
          store(out + c, act);
        } else {
          std::memcpy(out + c, &act, static_cast<size_t>(s.cout - c) * 4);
        }
      }
    }
  }
}

/// (0, 1, …, kW − 1).
inline L::I lane_index() {
  L::I index;
  for (int lane = 0; lane < kW; ++lane) index[lane] = lane;
  return index;
}

/// Swaps the off-diagonal B × B blocks of every 2B × 2B block of the kW × kW matrix whose rows
/// `lo` and `hi` (= row lo + B) are: one stage of the in-register transpose.
template <int B, size_t... I>
inline void swap_blocks(V& lo, V& hi, std::index_sequence<I...>) {
  const V a = lo, b = hi;
  lo = __builtin_shufflevector(a, b, static_cast<int>((I & B) ? I - B + kW : I)...);
  hi = __builtin_shufflevector(a, b, static_cast<int>((I & B) ? I + kW : I + B)...);
}

/// rows[0 … kW) ← their transpose: log₂ kW stages of block swaps (kW · log₂ kW shuffles
/// instead of kW² scalar moves).
template <int B = kW / 2>
inline void transpose(V* rows) {
  for (int i = 0; i < kW; ++i)
    if ((i & B) == 0) swap_blocks<B>(rows[i], rows[i + B], std::make_index_sequence<kW>{});
  if constexpr (B > 1) transpose<B / 2>(rows);
}

/// gt (C_out, W_r) ← one row of g, (W, C_out): kW × kW tiles through registers, the last
/// C_out mod kW channels by scalar moves; gt[·][j ≥ W] stays 0.
void transpose_row(const Stem& s, const float* row, float* gt) {
  const int64_t full = s.cout / kW * kW;
  V tile[kW];
  for (int64_t j0 = 0; j0 < s.wr; j0 += kW) {
    for (int64_t c0 = 0; c0 < full; c0 += kW) {
      for (int q = 0; q < kW; ++q) tile[q] = j0 + q < s.w ? load(row + (j0 + q) * s.cout + c0) : V{};
      transpose(tile);
      for (int q = 0; q < kW; ++q) store(gt + (c0 + q) * s.wr + j0, tile[q]);
    }
  }
  for (int64_t j = 0; j < s.w; ++j)
    for (int64_t c = full; c < s.cout; ++c) gt[c * s.wr + j] = row[j * s.cout + c];
}

/// ∇ₓ of one image into the zero-padded gxp (same layout as xp); kCin is C_in, so the 9·C_in
/// window vectors and accumulators are registers.
template <int kCin>
void backward_image(const Stem& s, const float* xp, const float* g, float* gt, float* gxp) {
  constexpr int kTaps = 9 * kCin;
  std::fill(gxp, gxp + kCin * s.plane(), 0.0f);
  for (int64_t i = 0; i < s.h; ++i) {
    transpose_row(s, g + i * s.w * s.cout, gt);
    for (int64_t j0 = 0; j0 < s.wr; j0 += kW) {
      V window[kTaps], acc[kTaps];
      for (int t = 0; t < kTaps; ++t) {
        const int ci = t / 9, ky = t % 9 / 3, kx = t % 3;
        window[t] = load(xp + ci * s.plane() + (i + ky) * s.wp + j0 + kx);
        acc[t] = V{};
      }
      // Lanes past the row's end (j ≥ W) read padding: their g is 0, and their z is masked
      // out too, so an overflow there (z = ±inf, SiLU′ = NaN) cannot reach a real pixel.
      const L::I inside = lane_index() < static_cast<int32_t>(s.w - j0);
      for (int64_t c = 0; c < s.cout; ++c) {
        const float* wc = s.weight + c * kTaps;
        V z = splat(s.bp[c]);
        for (int t = 0; t < kTaps; ++t) z += splat(wc[t]) * window[t];
        const V slope = silu_slope(z, sigmoid(z));
        const V gz = inside ? load(gt + c * s.wr + j0) * slope : V{};
        for (int t = 0; t < kTaps; ++t) acc[t] += splat(wc[t]) * gz;
      }
      for (int t = 0; t < kTaps; ++t) {
        const int ci = t / 9, ky = t % 9 / 3, kx = t % 3;
        float* dst = gxp + ci * s.plane() + (i + ky) * s.wp + j0 + kx;
        store(dst, load(dst) + acc[t]);
      }
    }
  }
}

void check(const ConvStemArgs& a, bool backward) {
  const auto fail = [](const std::string& what) { throw std::invalid_argument("ConvStemArgs: " + what); };
  if (a.images < 0 || a.height < 1 || a.width < 1 || a.out_channels < 1)
    fail("images must be >= 0 and height, width, out_channels >= 1");
  if (a.in_channels < 1 || a.in_channels > kConvStemMaxInChannels)
    fail("in_channels must be 1 to " + std::to_string(kConvStemMaxInChannels));
  if (a.x == 0 || a.weight == 0 || a.bias == 0) fail("x, weight and bias must be set");
  if (!backward && a.activation == 0) fail("activation (the forward output) must be set");
  if (backward && (a.grad_activation == 0 || a.grad_x == 0)) fail("grad_activation and grad_x must be set");
}

}  // namespace

void conv_stem_forward(const ConvStemArgs& a) {
  check(a, false);
  const Stem s(a);
  const float* x = reinterpret_cast<const float*>(a.x);
  float* act = reinterpret_cast<float*>(a.activation);
  using Forward = void (*)(const Stem&, const float*, float*);
  const Forward forward = s.p == kW ? forward_image<1> : s.p == 2 * kW ? forward_image<2>
                        : s.p == 4 * kW ? forward_image<4> : forward_image<0>;
#pragma omp parallel num_threads(thread_count(a.n_threads))
  {
    std::vector<float> xp(static_cast<size_t>(s.cin * s.plane()));
#pragma omp for schedule(dynamic, 1)
    for (int64_t image = 0; image < s.n; ++image) {
      s.pad_input(x, image, xp.data());
      forward(s, xp.data(), act + image * s.h * s.w * s.cout);
    }
  }
}

void conv_stem_backward(const ConvStemArgs& a) {
  check(a, true);
  const Stem s(a);
  const float* x = reinterpret_cast<const float*>(a.x);
  const float* g = reinterpret_cast<const float*>(a.grad_activation);
  float* grad_x = reinterpret_cast<float*>(a.grad_x);
  using Backward = void (*)(const Stem&, const float*, const float*, float*, float*);
  constexpr Backward kByInChannels[] = {backward_image<1>, backward_image<2>, backward_image<3>,
                                        backward_image<4>};
  static_assert(sizeof(kByInChannels) / sizeof(kByInChannels[0]) == kConvStemMaxInChannels);
  const Backward backward = kByInChannels[s.cin - 1];
#pragma omp parallel num_threads(thread_count(a.n_threads))
  {
    std::vector<float> xp(static_cast<size_t>(s.cin * s.plane()));
    std::vector<float> gxp(static_cast<size_t>(s.cin * s.plane()));
    std::vector<float> gt(static_cast<size_t>(s.cout * s.wr), 0.0f);
#pragma omp for schedule(dynamic, 1)
    for (int64_t image = 0; image < s.n; ++image) {
      s.pad_input(x, image, xp.data());
      backward(s, xp.data(), g + image * s.h * s.w * s.cout, gt.data(), gxp.data());
      for (int64_t ci = 0; ci < s.cin; ++ci)
        for (int64_t i = 0; i < s.h; ++i)
          std::memcpy(grad_x + ((image * s.cin + ci) * s.h + i) * s.w,
                      gxp.data() + ci * s.plane() + (i + 1) * s.wp + 1, static_cast<size_t>(s.w) * 4);
    }
  }
}

}  // namespace ebm::cpu::EBM_CPU_ISA
