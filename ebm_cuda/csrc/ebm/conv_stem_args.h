// The plain-data request of the fused first layer of a conv energy (CPU), "the stem":
//
//   forward    a = SiLU(z),   z = conv3×3(x; W, b)   (stride 1, zero padding 1)
//   backward   ∇ₓ = conv3×3ᵀ(g ⊙ SiLU′(z); W)          for g = ∂E/∂a
//
// for x (N, C_in, H, W) with few input channels, where oneDNN's convolution, its input gradient
// and torch's separate SiLU / SiLU′ passes each move the whole C_out-channel activation through
// memory (see cpu/cpu_conv_stem.cpp). Like the other argument structs, tensors cross as
// data_ptr() integers: float32, contiguous; a and g are channels-last, (N, H, W, C_out).
#pragma once

#include <cstdint>

namespace ebm {

struct ConvStemArgs {
  int64_t images = 0;          // N
  int64_t in_channels = 0;     // C_in (1 … kConvStemMaxInChannels)
  int64_t height = 0;          // H
  int64_t width = 0;           // W
  int64_t out_channels = 0;    // C_out
  uintptr_t x = 0;             // (N, C_in, H, W)
  uintptr_t weight = 0;        // (C_out, C_in, 3, 3)
  uintptr_t bias = 0;          // (C_out,)
  uintptr_t activation = 0;    // forward's output a, (N, H, W, C_out)
  uintptr_t grad_activation = 0;  // backward's input g = ∂E/∂a, (N, H, W, C_out)
  uintptr_t grad_x = 0;        // backward's output ∇ₓ, (N, C_in, H, W)
  int n_threads = 0;           // 0: OpenMP's default
};

/// The most input channels the stem kernels take (the backward keeps 9·C_in accumulators).
constexpr int64_t kConvStemMaxInChannels = 4;

}  // namespace ebm
