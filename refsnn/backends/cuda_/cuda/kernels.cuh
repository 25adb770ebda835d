// Generic time loops around a translated update (see translate.py).
//
// One thread per neuron; the neuron's state and parameters live in
// registers, the time loop runs inside the kernel. Layouts (row-major):
//   I   (U::inputs, steps, n)  per-step drives known in advance; with i_t = 0 the
//       same n values every step (i_t is n otherwise)
//   D   (U::drives - U::inputs, n)  products computed before this launch
//   S   (U::states, n)  the state, read at the start and written at the end
//   P   (U::parameters, n) per neuron, or (U::parameters, 1) shared
//   out (steps, n); rec (U::states, steps, n), written when `record`
// Steps t0 .. t1-1 run; a model with matrix products runs one step per
// launch (its products D change every step).
#pragma once

namespace refsnn {

template <class U, typename T, typename O>
REFSNN_DEVICE void run_neuron(long long j, const T* I, long long steps, long long i_t,
                              long long t0,
                              long long t1, const T* D, long long n, T* S, const T* P,
                              int per_neuron, T dt, O* out, T* rec, int record) {
    T s[U::states];
    T p[U::parameters > 0 ? U::parameters : 1];
    T d[U::drives];
#pragma unroll
    for (int k = 0; k < U::states; ++k) s[k] = S[k * n + j];
#pragma unroll
    for (int k = 0; k < U::parameters; ++k) p[k] = per_neuron ? P[k * n + j] : P[k];
#pragma unroll
    for (int k = U::inputs; k < U::drives; ++k) d[k] = D[(k - U::inputs) * n + j];
    for (long long t = t0; t < t1; ++t) {
#pragma unroll
        for (int k = 0; k < U::inputs; ++k) d[k] = I[(k * steps + t) * i_t + j];
        T z;
        U::template step<T>(s, d, p, dt, z);
        out[t * n + j] = Store<O, T>::of(z);
        if (record) {
#pragma unroll
            for (int k = 0; k < U::states; ++k) rec[(k * steps + t) * n + j] = s[k];
        }
    }
#pragma unroll
    for (int k = 0; k < U::states; ++k) S[k * n + j] = s[k];
}

}  // namespace refsnn
