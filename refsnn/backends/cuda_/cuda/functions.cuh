// Loops of the encoders and plasticity scans around translated functions.
//
// The arithmetic is in the translated functions (function_steps.py); here
// are only the loops over elements and steps. Layouts are flat and
// row-major; `lo..hi` is the element range of a launch.
#pragma once

namespace refsnn {

// out[t, j] (steps x n): the (signed) Poisson spike of x[j] at step t0 + t.
// The uniform of step s and element j is Philox's at counter (s, j, stream).
template <typename T, typename O, typename Spike>
REFSNN_DEVICE void poisson_element(long long j, Spike spike, const T* x, long long steps,
                                   long long n, T rate_scale, unsigned long long k0,
                                   unsigned long long k1, unsigned long long t0,
                                   unsigned long long stream, O* out) {
    const T xj = x[j];
    for (long long t = 0; t < steps; ++t) {
        const unsigned long long step = t0 + static_cast<unsigned long long>(t);
        out[t * n + j] = Store<O, T>::of(
            spike(k0, k1, step, static_cast<unsigned long long>(j), stream, xj, rate_scale));
    }
}

// One STDP trace element one step later; P rows (a, tau_inv) with `columns`
// columns (one per element, or one shared).
template <typename T, typename Trace>
REFSNN_DEVICE void stdp_trace_element(long long e, Trace trace_update, T* trace, const T* z,
                                      const T* P, long long columns, T dt) {
    const long long c = columns > 1 ? e : 0;
    trace[e] = trace_update(trace[e], z[e], P[c], P[columns + c], dt);
}

// sum_b A[b, i] B[b, j], in batch order (0 without a batch).
template <typename T>
REFSNN_DEVICE T batch_dot(const T* A, const T* B, long long batch, long long rows_a,
                          long long rows_b, long long i, long long j) {
    if (batch == 0) return T(0);
    T acc = A[i] * B[j];
    for (long long b = 1; b < batch; ++b) acc = acc + A[b * rows_a + i] * B[b * rows_b + j];
    return acc;
}

// Weight e = (i, j) of w (n_post x n_pre) from this step's correlations
// C+ = z_post^T t_pre and C- = t_post^T z_pre; Pw rows (w_min, w_max,
// eta_plus, eta_minus, mu) with `columns` columns.
template <typename T, typename Weight>
REFSNN_DEVICE void stdp_weight_element(long long e, Weight weight_update, T* w,
                                       const T* z_post, const T* t_pre, const T* t_post,
                                       const T* z_pre, long long batch, long long n_post,
                                       long long n_pre, const T* Pw, long long columns) {
    const long long i = e / n_pre, j = e % n_pre;
    const long long c = columns > 1 ? e : 0;
    const T c_plus = batch_dot(z_post, t_pre, batch, n_post, n_pre, i, j);
    const T c_minus = batch_dot(t_post, z_pre, batch, n_post, n_pre, i, j);
    w[e] = weight_update(w[e], c_plus, c_minus, Pw[c], Pw[columns + c], Pw[2 * columns + c],
                         Pw[3 * columns + c], Pw[4 * columns + c]);
}

}  // namespace refsnn
