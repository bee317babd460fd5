// Indexable views of one chain's d-vector, for state that does not live in a plain array.
#pragma once

#include <cstdint>

#include "hd.h"

namespace ebm {

/// Element j at p[j · stride]: a chain's column of interleaved (d, chains) storage, so that
/// consecutive GPU threads (chains) touch consecutive addresses.
template <class T>
struct Strided {
  T* p;
  int64_t stride;

  EBM_HD_INLINE T& operator[](int j) const { return p[j * stride]; }
};

}  // namespace ebm
