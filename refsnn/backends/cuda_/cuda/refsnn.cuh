// refsnn's primitives for the CUDA kernels (and their host build).
//
// The scalar meaning of the few operations of refsnn.numerics that the
// translated updates call by name; everything else in an update is plain
// IEEE-754 arithmetic, compiled without contraction into fused multiply-adds
// (NVRTC --fmad=false, g++ -ffp-contract=off) and without flushing
// subnormals (--ftz=false).
#pragma once

#ifdef REFSNN_HOST
#include "host_shim.h"
#else
#define REFSNN_DEVICE __device__ __forceinline__
#define REFSNN_FOR_EACH(j, lo, hi) \
    const long long j = (lo) + (long long)blockIdx.x * blockDim.x + threadIdx.x; \
    if (j < (hi))
#endif

namespace refsnn {

// H(x) = [x > 0] in x's type (NaN gives 0).
template <typename T> REFSNN_DEVICE T heaviside(T x) { return x > T(0) ? T(1) : T(0); }

// 1 - z in z's type.
template <typename T> REFSNN_DEVICE T complement(T z) { return T(1) - z; }

// max(x, 0), NaN propagating.
template <typename T> REFSNN_DEVICE T relu(T x) { return x < T(0) ? T(0) : x; }

// |x|: the sign bit cleared (NaN stays NaN).
REFSNN_DEVICE float absolute(float x) { return fabsf(x); }
REFSNN_DEVICE double absolute(double x) { return fabs(x); }

// The double whose IEEE bit pattern is `bits`.
REFSNN_DEVICE double from_bits(unsigned long long bits) {
    return __longlong_as_double(static_cast<long long>(bits));
}

REFSNN_DEVICE double infinity() { return from_bits(0x7ff0000000000000ULL); }
REFSNN_DEVICE double quiet_nan() { return from_bits(0x7ff8000000000000ULL); }

// 2^k for integral k in [-1022, 1023], built from its bits.
REFSNN_DEVICE double exp2i(double k) {
    return from_bits(static_cast<unsigned long long>(static_cast<long long>(k) + 1023) << 52);
}

// x = m 2^e with m in [0.5, 1) (x positive and finite): m, and e as a double.
REFSNN_DEVICE double frexp_mantissa(double x) { int e; return frexp(x, &e); }
REFSNN_DEVICE double frexp_exponent(double x) {
    int e;
    frexp(x, &e);
    return static_cast<double>(e);
}

// A spike (or value) stored in the output's type: compact outputs hold z != 0.
template <typename O, typename T> struct Store {
    REFSNN_DEVICE static O of(T z) { return z; }
};
template <typename T> struct Store<unsigned char, T> {
    REFSNN_DEVICE static unsigned char of(T z) { return z != T(0) ? 1 : 0; }
};

}  // namespace refsnn
