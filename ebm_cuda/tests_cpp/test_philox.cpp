// Philox4x32-10 known-answer tests (Random123's published vectors) for the scalar generator
// and for every lane of the CPU backend's SIMD generator.
#include <cstdint>

#include "check.h"
#include "cpu/pack_lanes.h"
#include "ebm/philox.h"

namespace {

struct Kat {
  uint32_t counter[4];
  uint32_t key[2];
  uint32_t expected[4];
};

constexpr Kat kKats[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

template <class L>
void check_lanes(const Kat& kat) {
  using U = typename L::U;
  const auto out = ebm::philox4x32_10<U>(
      ebm::Words4<U>{L::splat_u(kat.counter[0]), L::splat_u(kat.counter[1]),
                     L::splat_u(kat.counter[2]), L::splat_u(kat.counter[3])},
      ebm::PhiloxKey{kat.key[0], kat.key[1]});
  for (int lane = 0; lane < L::width; ++lane) {
    CHECK(out.w0[lane] == kat.expected[0], "lane ", lane);
    CHECK(out.w1[lane] == kat.expected[1], "lane ", lane);
    CHECK(out.w2[lane] == kat.expected[2], "lane ", lane);
    CHECK(out.w3[lane] == kat.expected[3], "lane ", lane);
  }
}

}  // namespace

int main() {
  for (const Kat& kat : kKats) {
    const auto out = ebm::philox4x32_10<uint32_t>(
        ebm::Words4<uint32_t>{kat.counter[0], kat.counter[1], kat.counter[2], kat.counter[3]},
        ebm::PhiloxKey{kat.key[0], kat.key[1]});
    CHECK(out.w0 == kat.expected[0], std::hex, out.w0);
    CHECK(out.w1 == kat.expected[1], std::hex, out.w1);
    CHECK(out.w2 == kat.expected[2], std::hex, out.w2);
    CHECK(out.w3 == kat.expected[3], std::hex, out.w3);
    check_lanes<ebm::cpu::PackLanes<float>>(kat);
    check_lanes<ebm::cpu::PackLanes<double>>(kat);
  }
  // Lanes with different counters: each lane equals the scalar generator on its counter.
  using L = ebm::cpu::PackLanes<float>;
  const ebm::PhiloxKey key = ebm::PhiloxKey::from_seed(0x0123456789abcdefULL);
  const auto lanes = ebm::philox_draw(key, L::splat_u(7), L::iota() * 977u + 5u, 0x1234567890ULL);
  for (int lane = 0; lane < L::width; ++lane) {
    const auto one = ebm::philox_draw<uint32_t>(key, 7u, lane * 977u + 5u, 0x1234567890ULL);
    CHECK(lanes.w0[lane] == one.w0 && lanes.w1[lane] == one.w1 && lanes.w2[lane] == one.w2 &&
              lanes.w3[lane] == one.w3,
          "lane ", lane);
  }
  return ebm_test::report("philox");
}
