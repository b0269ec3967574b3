// poolviz/cache_line.h — the size to align hot atomics to, so that two of them
// written by different threads never share a cache line (false sharing).
//
// 64 bytes is the line size of every x86-64 and most ARM64 cores poolviz runs
// on. std::hardware_destructive_interference_size would say the same, but GCC
// warns when it appears in a header (its value may differ between -mtune
// settings, which would change a class's layout between translation units).
#pragma once

#include <cstddef>

namespace poolviz {

inline constexpr std::size_t kCacheLine = 64;

}  // namespace poolviz
