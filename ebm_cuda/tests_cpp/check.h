// A minimal test harness: CHECK(cond, message...) records failures; main returns report().
#pragma once

#include <cstdio>
#include <sstream>
#include <string>

namespace ebm_test {

inline int& failures() {
  static int count = 0;
  return count;
}

inline int& checks() {
  static int count = 0;
  return count;
}

template <class... Parts>
std::string join(const Parts&... parts) {
  std::ostringstream out;
  out.precision(17);
  (out << ... << parts);
  return out.str();
}

inline int report(const char* suite) {
  std::printf("%s: %d checks, %d failed\n", suite, checks(), failures());
  return failures() == 0 ? 0 : 1;
}

}  // namespace ebm_test

#define CHECK(cond, ...)                                                                    \
  do {                                                                                      \
    ++ebm_test::checks();                                                                   \
    if (!(cond)) {                                                                          \
      ++ebm_test::failures();                                                               \
      std::printf("FAIL %s:%d: %s %s\n", __FILE__, __LINE__, #cond,                         \
                  ebm_test::join(__VA_ARGS__).c_str());                                     \
    }                                                                                       \
  } while (0)
