// Host build of refsnn's CUDA sources (the `cuda-host` backend).
//
// The same .cu text compiles with g++ (-O2 -ffp-contract=off, no fast math):
// CUDA's qualifiers become plain C++, the thread index of a kernel becomes a
// loop variable over the neurons, and the device intrinsics used by
// refsnn.cuh become their IEEE host equivalents.
#pragma once

#include <cmath>
#include <cstring>

#define __global__
#define REFSNN_DEVICE inline
#define REFSNN_FOR_EACH(j, lo, hi) for (long long j = (lo); j < (hi); ++j)

using std::fabs;
using std::frexp;

inline float fabsf(float x) { return std::fabs(x); }

inline double __longlong_as_double(long long bits) {
    double x;
    std::memcpy(&x, &bits, sizeof x);
    return x;
}
