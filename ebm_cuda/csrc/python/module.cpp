// ebm_cuda._native: the pybind11 surface of the kernels. Tensors cross as data_ptr() integers
// inside ChainArgs / UpdateArgs; ebm_cuda's Python wrapper validates them first.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <cstdint>

#include "../cpu/blas.h"
#include "../cpu/cpu_backend.h"
#include "../ebm/args.h"
#include "../ebm/conv_stem_args.h"
#include "../ebm/mlp_args.h"
#include "../ebm/philox.h"
#if defined(EBM_WITH_CUDA)
#include "../cuda/cuda_backend.h"
#endif

namespace py = pybind11;

namespace {

#if defined(EBM_WITH_CUDA)
constexpr bool kCudaCompiled = true;
#else
constexpr bool kCudaCompiled = false;
#endif

std::array<uint32_t, 4> philox(std::array<uint32_t, 4> counter, std::array<uint32_t, 2> key) {
  const auto out = ebm::philox4x32_10<uint32_t>(
      ebm::Words4<uint32_t>{counter[0], counter[1], counter[2], counter[3]},
      ebm::PhiloxKey{key[0], key[1]});
  return {out.w0, out.w1, out.w2, out.w3};
}

/// Row-major C ← op(A) op(B) through the sgemm_ at address `sgemm` (for the wrapper's check
/// that the BLAS it found follows the convention blas.h assumes).
void sgemm_rowmajor(uintptr_t sgemm, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                    uintptr_t a, int64_t lda, uintptr_t b, int64_t ldb, uintptr_t c, int64_t ldc) {
  ebm::cpu::gemm_rowmajor(reinterpret_cast<ebm::cpu::Sgemm>(sgemm), trans_a, trans_b, m, n, k,
                          reinterpret_cast<const float*>(a), lda, reinterpret_cast<const float*>(b),
                          ldb, reinterpret_cast<float*>(c), ldc);
}

py::dict build_info() {
  py::dict info;
  info["version"] = EBM_CUDA_VERSION_STRING;
  info["cpu_compiler"] = EBM_CPU_COMPILER;
  info["cpu_isas_built"] = ebm::cpu::built_isas();
#if defined(_OPENMP)
  info["openmp"] = true;
#else
  info["openmp"] = false;
#endif
  info["cuda_compiled"] = kCudaCompiled;
#if defined(EBM_WITH_CUDA)
  info["cuda_architectures"] = EBM_CUDA_ARCHS;
  info["nvcc_version"] = EBM_NVCC_VERSION;
#else
  info["cuda_architectures"] = py::none();
  info["nvcc_version"] = py::none();
#endif
  return info;
}

template <class Args>
void bind_common(py::class_<Args>& cls) {
  cls.def(py::init<>())
      .def_readwrite("dtype", &Args::dtype)
      .def_readwrite("step_size", &Args::step_size)
      .def_readwrite("noise_scale", &Args::noise_scale)
      .def_readwrite("clamp", &Args::clamp)
      .def_readwrite("has_clamp", &Args::has_clamp)
      .def_readwrite("seed", &Args::seed)
      .def_readwrite("n_threads", &Args::n_threads)
      .def_readwrite("device", &Args::device)
      .def_readwrite("stream", &Args::stream);
}

}  // namespace

PYBIND11_MODULE(_native, m) {
  m.doc() = "ebm-cuda native kernels (CPU backend always; CUDA backend when compiled in)";
  using ebm::ChainArgs;
  using ebm::UpdateArgs;

  py::enum_<ebm::SamplerKind>(m, "SamplerKind")
      .value("langevin", ebm::SamplerKind::langevin)
      .value("mala", ebm::SamplerKind::mala)
      .value("hmc", ebm::SamplerKind::hmc);
  py::enum_<ebm::EnergyKind>(m, "EnergyKind")
      .value("gaussian_diag", ebm::EnergyKind::gaussian_diag)
      .value("gaussian_full", ebm::EnergyKind::gaussian_full)
      .value("double_well", ebm::EnergyKind::double_well)
      .value("rosenbrock", ebm::EnergyKind::rosenbrock)
      .value("harmonic", ebm::EnergyKind::harmonic);
  py::enum_<ebm::DType>(m, "DType")
      .value("float32", ebm::DType::float32)
      .value("float64", ebm::DType::float64);

  py::class_<ChainArgs> chain_args(m, "ChainArgs", "One fused-chain request (see args.h).");
  bind_common(chain_args);
  chain_args.def_readwrite("sampler", &ChainArgs::sampler)
      .def_readwrite("energy", &ChainArgs::energy)
      .def_readwrite("chains", &ChainArgs::chains)
      .def_readwrite("dim", &ChainArgs::dim)
      .def_readwrite("n_steps", &ChainArgs::n_steps)
      .def_readwrite("burn_in", &ChainArgs::burn_in)
      .def_readwrite("thin", &ChainArgs::thin)
      .def_readwrite("record_trajectory", &ChainArgs::record_trajectory)
      .def_readwrite("x0", &ChainArgs::x0)
      .def_readwrite("samples", &ChainArgs::samples)
      .def_readwrite("energy_out", &ChainArgs::energy_out)
      .def_readwrite("n_accepted", &ChainArgs::n_accepted)
      .def_readwrite("divergent", &ChainArgs::divergent)
      .def_readwrite("trajectory", &ChainArgs::trajectory)
      .def_readwrite("n_leapfrog", &ChainArgs::n_leapfrog)
      .def_readwrite("inv_mass", &ChainArgs::inv_mass)
      .def_readwrite("mass_sqrt", &ChainArgs::mass_sqrt)
      .def_readwrite("step_size_jitter", &ChainArgs::step_size_jitter)
      .def_readwrite("gaussian_mean", &ChainArgs::gaussian_mean)
      .def_readwrite("gaussian_precision", &ChainArgs::gaussian_precision)
      .def_readwrite("gaussian_precision_diag", &ChainArgs::gaussian_precision_diag)
      .def_readwrite("double_well_barrier_height", &ChainArgs::double_well_barrier_height)
      .def_readwrite("double_well_b", &ChainArgs::double_well_b)
      .def_readwrite("rosenbrock_a", &ChainArgs::rosenbrock_a)
      .def_readwrite("rosenbrock_b", &ChainArgs::rosenbrock_b)
      .def_readwrite("harmonic_k", &ChainArgs::harmonic_k)
      .def_readwrite("harmonic_center", &ChainArgs::harmonic_center)
      .def_readwrite("scratch", &ChainArgs::scratch);

  py::class_<UpdateArgs> update_args(m, "UpdateArgs", "One fused Langevin update (see args.h).");
  bind_common(update_args);
  update_args.def_readwrite("chains", &UpdateArgs::chains)
      .def_readwrite("elements", &UpdateArgs::elements)
      .def_readwrite("x", &UpdateArgs::x)
      .def_readwrite("grad", &UpdateArgs::grad)
      .def_readwrite("step", &UpdateArgs::step);

  py::class_<ebm::MlpChainArgs> mlp_args(m, "MlpChainArgs",
                                         "One fused MLP Langevin request (see mlp_args.h).");
  mlp_args.def(py::init<>())
      .def_readwrite("chains", &ebm::MlpChainArgs::chains)
      .def_readwrite("dim", &ebm::MlpChainArgs::dim)
      .def_readwrite("widths", &ebm::MlpChainArgs::widths)
      .def_readwrite("weights", &ebm::MlpChainArgs::weights)
      .def_readwrite("biases", &ebm::MlpChainArgs::biases)
      .def_readwrite("w_out", &ebm::MlpChainArgs::w_out)
      .def_readwrite("b_out", &ebm::MlpChainArgs::b_out)
      .def_readwrite("n_steps", &ebm::MlpChainArgs::n_steps)
      .def_readwrite("burn_in", &ebm::MlpChainArgs::burn_in)
      .def_readwrite("thin", &ebm::MlpChainArgs::thin)
      .def_readwrite("record_trajectory", &ebm::MlpChainArgs::record_trajectory)
      .def_readwrite("step_size", &ebm::MlpChainArgs::step_size)
      .def_readwrite("noise_scale", &ebm::MlpChainArgs::noise_scale)
      .def_readwrite("clamp", &ebm::MlpChainArgs::clamp)
      .def_readwrite("has_clamp", &ebm::MlpChainArgs::has_clamp)
      .def_readwrite("seed", &ebm::MlpChainArgs::seed)
      .def_readwrite("x0", &ebm::MlpChainArgs::x0)
      .def_readwrite("samples", &ebm::MlpChainArgs::samples)
      .def_readwrite("energy_out", &ebm::MlpChainArgs::energy_out)
      .def_readwrite("divergent", &ebm::MlpChainArgs::divergent)
      .def_readwrite("trajectory", &ebm::MlpChainArgs::trajectory)
      .def_readwrite("sgemm", &ebm::MlpChainArgs::sgemm)
      .def_readwrite("n_threads", &ebm::MlpChainArgs::n_threads)
      .def_readwrite("block_chains", &ebm::MlpChainArgs::block_chains);

  py::class_<ebm::ConvStemArgs> stem_args(m, "ConvStemArgs",
                                          "One fused conv-stem pass (see conv_stem_args.h).");
  stem_args.def(py::init<>())
      .def_readwrite("images", &ebm::ConvStemArgs::images)
      .def_readwrite("in_channels", &ebm::ConvStemArgs::in_channels)
      .def_readwrite("height", &ebm::ConvStemArgs::height)
      .def_readwrite("width", &ebm::ConvStemArgs::width)
      .def_readwrite("out_channels", &ebm::ConvStemArgs::out_channels)
      .def_readwrite("x", &ebm::ConvStemArgs::x)
      .def_readwrite("weight", &ebm::ConvStemArgs::weight)
      .def_readwrite("bias", &ebm::ConvStemArgs::bias)
      .def_readwrite("activation", &ebm::ConvStemArgs::activation)
      .def_readwrite("grad_activation", &ebm::ConvStemArgs::grad_activation)
      .def_readwrite("grad_x", &ebm::ConvStemArgs::grad_x)
      .def_readwrite("n_threads", &ebm::ConvStemArgs::n_threads);
  m.attr("CONV_STEM_MAX_IN_CHANNELS") = ebm::kConvStemMaxInChannels;

  m.def("philox4x32_10", &philox, py::arg("counter"), py::arg("key"),
        "Philox4x32-10 of a 4-word counter under a 2-word key (for known-answer tests).");
  m.def("build_info", &build_info, "How this module was built.");
  m.def("cpu_isa", &ebm::cpu::active_isa, "The CPU instruction-set level the kernels run at.");
  m.def("cpu_isas_supported", &ebm::cpu::supported_isas,
        "The built CPU instruction-set levels this CPU can run (EBM_CUDA_CPU_ISA forces one).");
  m.def("run_chains_cpu", &ebm::cpu::run_chains, py::arg("args"),
        py::call_guard<py::gil_scoped_release>(), "Fused chains on the CPU (host pointers).");
  m.def("langevin_update_cpu", &ebm::cpu::langevin_update, py::arg("args"),
        py::call_guard<py::gil_scoped_release>(), "Fused Langevin update on the CPU, in place.");
  m.def("run_mlp_langevin_cpu", &ebm::cpu::run_mlp_langevin, py::arg("args"),
        py::call_guard<py::gil_scoped_release>(),
        "Fused ULA chains on an MLP energy with SiLU on the CPU (host pointers).");
  m.def("conv_stem_forward_cpu", &ebm::cpu::conv_stem_forward, py::arg("args"),
        py::call_guard<py::gil_scoped_release>(),
        "a <- SiLU(conv3x3(x) + b), channels-last (the fused first layer of a conv energy).");
  m.def("conv_stem_backward_cpu", &ebm::cpu::conv_stem_backward, py::arg("args"),
        py::call_guard<py::gil_scoped_release>(),
        "grad_x <- conv3x3^T(g * SiLU'(conv3x3(x) + b)) for g = dE/da, channels-last.");
  m.def("sgemm_rowmajor", &sgemm_rowmajor, py::arg("sgemm"), py::arg("trans_a"), py::arg("trans_b"),
        py::arg("m"), py::arg("n"), py::arg("k"), py::arg("a"), py::arg("lda"), py::arg("b"),
        py::arg("ldb"), py::arg("c"), py::arg("ldc"), py::call_guard<py::gil_scoped_release>(),
        "Row-major C <- op(A) op(B) (float32 host pointers) through the sgemm_ at that address.");
  m.def("sample_normals_cpu", &ebm::cpu::sample_normals, py::arg("dtype"), py::arg("out"),
        py::arg("chains"), py::arg("dim"), py::arg("seed"), py::arg("step"),
        py::call_guard<py::gil_scoped_release>(),
        "out (chains, dim) <- the N(0, 1) draws the chain kernels use at `step`.");
  m.attr("cuda_compiled") = kCudaCompiled;

#if defined(EBM_WITH_CUDA)
  py::register_exception<ebm::cuda::Unavailable>(m, "CudaUnavailable", PyExc_RuntimeError);
  m.def("cuda_device_count", &ebm::cuda::device_count,
        "Visible CUDA devices; raises CudaUnavailable when CUDA cannot start.");
  m.def("cuda_runtime_version", &ebm::cuda::runtime_version);
  m.def("cuda_driver_version", &ebm::cuda::driver_version);
  m.def("chain_scratch_elements", &ebm::cuda::chain_scratch_elements, py::arg("args"),
        "Elements of args.dtype the CUDA chain kernel needs in args.scratch.");
  m.def("run_chains_cuda", &ebm::cuda::run_chains, py::arg("args"),
        py::call_guard<py::gil_scoped_release>(), "Fused chains on a GPU (device pointers).");
  m.def("langevin_update_cuda", &ebm::cuda::langevin_update, py::arg("args"),
        py::call_guard<py::gil_scoped_release>(), "Fused Langevin update on a GPU, in place.");
#endif
}
