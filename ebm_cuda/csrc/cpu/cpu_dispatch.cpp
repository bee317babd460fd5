// Picks the CPU backend copy for the best instruction-set level this CPU supports.
//
// EBM_CUDA_CPU_ISA=baseline|x86-64-v3|x86-64-v4 forces a level (it must be built and supported),
// e.g. to compare levels; results are identical at every level (see cpu_backend.h).
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "cpu_backend.h"

namespace ebm::cpu {
namespace {

struct Backend {
  const char* name;
  void (*run_chains)(const ChainArgs&);
  void (*langevin_update)(const UpdateArgs&);
  void (*sample_normals)(DType, uintptr_t, int64_t, int64_t, uint64_t, uint64_t);
  void (*run_mlp_langevin)(const MlpChainArgs&);
  void (*conv_stem_forward)(const ConvStemArgs&);
  void (*conv_stem_backward)(const ConvStemArgs&);
  bool (*supported)();
};

bool always() { return true; }

#if defined(EBM_HAVE_ISA_X86_64_V3) || defined(EBM_HAVE_ISA_X86_64_V4)
bool has_v3() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("f16c");
}
#endif
#if defined(EBM_HAVE_ISA_X86_64_V4)
bool has_v4() {
  __builtin_cpu_init();
  return has_v3() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl");
}
#endif

// Best first.
const Backend kBackends[] = {
#if defined(EBM_HAVE_ISA_X86_64_V4)
    {"x86-64-v4", x86_64_v4::run_chains, x86_64_v4::langevin_update, x86_64_v4::sample_normals,
     x86_64_v4::run_mlp_langevin, x86_64_v4::conv_stem_forward, x86_64_v4::conv_stem_backward, has_v4},
#endif
#if defined(EBM_HAVE_ISA_X86_64_V3)
    {"x86-64-v3", x86_64_v3::run_chains, x86_64_v3::langevin_update, x86_64_v3::sample_normals,
     x86_64_v3::run_mlp_langevin, x86_64_v3::conv_stem_forward, x86_64_v3::conv_stem_backward, has_v3},
#endif
    {"baseline", baseline::run_chains, baseline::langevin_update, baseline::sample_normals,
     baseline::run_mlp_langevin, baseline::conv_stem_forward, baseline::conv_stem_backward, always},
};

const Backend& choose() {
  const char* forced = std::getenv("EBM_CUDA_CPU_ISA");
  if (forced != nullptr && *forced != '\0') {
    for (const Backend& b : kBackends) {
      if (std::string(forced) == b.name) {
        if (!b.supported())
          throw std::runtime_error(std::string("EBM_CUDA_CPU_ISA=") + forced +
                                   ": this CPU does not support that instruction set");
        return b;
      }
    }
    std::string names;
    for (const Backend& b : kBackends) names += std::string(names.empty() ? "" : ", ") + b.name;
    throw std::runtime_error(std::string("EBM_CUDA_CPU_ISA=") + forced +
                             " is not built into this ebm-cuda; built: " + names);
  }
  for (const Backend& b : kBackends)
    if (b.supported()) return b;
  return kBackends[sizeof(kBackends) / sizeof(kBackends[0]) - 1];
}

const Backend& active() {
  static const Backend& backend = choose();
  return backend;
}

}  // namespace

void run_chains(const ChainArgs& args) { active().run_chains(args); }

void langevin_update(const UpdateArgs& args) { active().langevin_update(args); }

void run_mlp_langevin(const MlpChainArgs& args) { active().run_mlp_langevin(args); }

void conv_stem_forward(const ConvStemArgs& args) { active().conv_stem_forward(args); }

void conv_stem_backward(const ConvStemArgs& args) { active().conv_stem_backward(args); }

void sample_normals(DType dtype, uintptr_t out, int64_t chains, int64_t dim, uint64_t seed,
                    uint64_t step) {
  active().sample_normals(dtype, out, chains, dim, seed, step);
}

std::string active_isa() { return active().name; }

std::vector<std::string> built_isas() {
  std::vector<std::string> names;
  for (const Backend& b : kBackends) names.emplace_back(b.name);
  return names;
}

std::vector<std::string> supported_isas() {
  std::vector<std::string> names;
  for (const Backend& b : kBackends)
    if (b.supported()) names.emplace_back(b.name);
  return names;
}

}  // namespace ebm::cpu
