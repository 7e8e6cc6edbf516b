// network.cl: the atomic network (aenet layout, AlHpc.Network.NeuralNetwork) per atom, forward and backward,
// and the Levenberg-Marquardt Jacobian rows per structure.
// Prelude: NF (inputs), NN_L (weight layers), NN_SIZES {n0,..,nL}, NN_ACTS {act1..actL} (AlHpc.Network.Activation
// codes: 0 linear, 1 tanh, 2 sigmoid, 3 mtanh, 4 twist), NN_WOFF {offset of W_1..W_L}, NN_AOFF {node offset
// of layer 0..L}, NN_TOTAL (sum of sizes), NN_NW (weight count). W_l is (n_l x (n_{l-1}+1)) row-major, bias last.

__constant int nn_sizes[NN_L + 1] = NN_SIZES;
__constant int nn_acts[NN_L] = NN_ACTS;
__constant int nn_woff[NN_L] = NN_WOFF;
__constant int nn_aoff[NN_L + 1] = NN_AOFF;

inline real nn_activate(int kind, real x, real* d)
{
    switch (kind) {
    case 1: { real t = tanh(x); *d = 1 - t * t; return t; }
    case 2: { real s = 1 / (1 + exp(-x)); *d = s * (1 - s); return s; }
    case 3: { real t = tanh(2 * x / 3); *d = 1.7159 * 2 / 3 * (1 - t * t); return 1.7159 * t; }
    case 4: { real t = tanh(2 * x / 3); *d = 1.7159 * 2 / 3 * (1 - t * t) + 0.1; return 1.7159 * t + 0.1 * x; }
    default: *d = 1; return x;
    }
}

// Row k of a mapped launch: binary search in row_start[0..nrows] (row_start[k] <= g < row_start[k+1]).
inline int row_of(__global const int* row_start, int nrows, int g)
{
    int lo = 0, hi = nrows;
    while (hi - lo > 1) { int mid = (lo + hi) >> 1; if (row_start[mid] <= g) lo = mid; else hi = mid; }
    return lo;
}

// One work-item per atom slot g in [0, nslots]. Slot nslots (when with_anchor) is the isolated atom
// (raw descriptors all 0). mapped == 0: slot g is atom g. mapped == 1: slot g is atom
// offsets[rows[k]] + g - row_start[k] of row k (the rows of a training batch, packed).
// Outputs: out[g] = network output (scaled units); atom_e[g] = eshift + out / escale (eV);
// want_grad: dEdG[g*NF + i] = dE_g/dG_raw_i (eV per descriptor unit); store: act/delta per node for the Jacobian.
__kernel void network_atoms(const int nslots, const int with_anchor, const int mapped,
                            __global const int* row_start, __global const int* rows, __global const int* offsets, const int nrows,
                            __global const real* G, __global const real* mean, __global const real* inv_std,
                            __global const real* w, const real escale, const real eshift,
                            const int want_grad, const int store,
                            __global real* out, __global acc* atom_e, __global real* dEdG,
                            __global real* act_store, __global real* delta_store)
{
    int g = get_global_id(0);
    if (g > nslots || (g == nslots && !with_anchor)) return;
    real act[NN_TOTAL], der[NN_TOTAL], delta[NN_TOTAL];
    if (g == nslots) {
        for (int i = 0; i < NF; i++) act[i] = -mean[i] * inv_std[i];
    } else {
        long atom = g;
        if (mapped) { int k = row_of(row_start, nrows, g); atom = offsets[rows[k]] + (g - row_start[k]); }
        __global const real* x = G + atom * NF;
        for (int i = 0; i < NF; i++) act[i] = (x[i] - mean[i]) * inv_std[i];
    }
    for (int l = 1; l <= NN_L; l++) {
        int nin = nn_sizes[l - 1], nout = nn_sizes[l], a0 = nn_aoff[l - 1], a1 = nn_aoff[l];
        __global const real* wl = w + nn_woff[l - 1];
        for (int o = 0; o < nout; o++) {
            __global const real* row = wl + o * (nin + 1);
            real z = row[nin];
            for (int i = 0; i < nin; i++) z += row[i] * act[a0 + i];
            act[a1 + o] = nn_activate(nn_acts[l - 1], z, &der[a1 + o]);
        }
    }
    real y = act[nn_aoff[NN_L]];
    out[g] = y;
    atom_e[g] = eshift + (acc)y / escale;
    if (!want_grad && !store) return;
    // backward: delta = dy/dz per node
    delta[nn_aoff[NN_L]] = der[nn_aoff[NN_L]];
    for (int l = NN_L; l >= 1; l--) {
        int nin = nn_sizes[l - 1], nout = nn_sizes[l], a0 = nn_aoff[l - 1], a1 = nn_aoff[l];
        __global const real* wl = w + nn_woff[l - 1];
        for (int i = 0; i < nin; i++) {
            real s = 0;
            for (int o = 0; o < nout; o++) s += delta[a1 + o] * wl[o * (nin + 1) + i];
            delta[a0 + i] = l > 1 ? s * der[a0 + i] : s; // layer 0: dy/d(scaled input)
        }
    }
    if (want_grad && g < nslots)
        for (int i = 0; i < NF; i++) dEdG[(long)g * NF + i] = delta[i] * inv_std[i] / escale;
    if (store) {
        for (int i = 0; i < NN_TOTAL; i++) { act_store[(long)g * NN_TOTAL + i] = act[i]; delta_store[(long)g * NN_TOTAL + i] = delta[i]; }
    }
}

// LM Jacobian (AlHpc.Training.LmTrainer convention, scaled units): for row k (structure of N atoms, slots
// row_start[k] .. row_start[k+1]-1), p_k = (1/N) sum_i y_i - (anchor ? y_0 : 0) and
// J[k, w] = d e_k / d w = -(1/N) sum_i dy_i/dw + (anchor ? dy_0/dw : 0). One work-item per (k, w); sums in acc,
// fixed order (deterministic).
__kernel void jacobian_rows(const int nrows, const int nslots, const int anchor, __global const int* row_start,
                            __global const real* act_store, __global const real* delta_store, __global acc* jac)
{
    long id = get_global_id(0);
    if (id >= (long)nrows * NN_NW) return;
    int k = (int)(id / NN_NW), wi = (int)(id % NN_NW);
    int l = NN_L;
    while (l > 1 && nn_woff[l - 1] > wi) l--;
    int nin = nn_sizes[l - 1];
    int lw = wi - nn_woff[l - 1];
    int o = lw / (nin + 1), i = lw % (nin + 1);
    int dnode = nn_aoff[l] + o, anode = nn_aoff[l - 1] + i;
    bool bias = i == nin;
    int s0 = row_start[k], s1 = row_start[k + 1];
    acc s = 0;
    for (int gi = s0; gi < s1; gi++) {
        real d = delta_store[(long)gi * NN_TOTAL + dnode];
        s += bias ? d : d * act_store[(long)gi * NN_TOTAL + anode];
    }
    acc r = -s / (s1 - s0);
    if (anchor) {
        real d0 = delta_store[(long)nslots * NN_TOTAL + dnode];
        r += bias ? d0 : d0 * act_store[(long)nslots * NN_TOTAL + anode];
    }
    jac[id] = r;
}

// Predictions p_k (see jacobian_rows) from the per-slot outputs.
__kernel void row_predictions(const int nrows, const int nslots, const int anchor, __global const int* row_start,
                              __global const real* out, __global acc* pred)
{
    int k = get_global_id(0);
    if (k >= nrows) return;
    acc s = 0;
    for (int gi = row_start[k]; gi < row_start[k + 1]; gi++) s += out[gi];
    s /= (row_start[k + 1] - row_start[k]);
    if (anchor) s -= out[nslots];
    pred[k] = s;
}

// Normal-equation product in batch space: A[k, m] = sum_w J[k, w] J[m, w] (k, m < nrows), lower triangle
// and diagonal (the upper triangle is mirrored on the host). One work-item per (k, m).
__kernel void jjt(const int nrows, const int nw, __global const acc* jac, __global acc* A)
{
    long id = get_global_id(0);
    if (id >= (long)nrows * nrows) return;
    int k = (int)(id / nrows), m = (int)(id % nrows);
    if (m > k) return;
    __global const acc* a = jac + (long)k * nw;
    __global const acc* b = jac + (long)m * nw;
    acc s = 0;
    for (int w = 0; w < nw; w++) s += a[w] * b[w];
    A[(long)k * nrows + m] = s;
}
