// common.cl: ragged-batch helpers shared by every workload.
// Layout (see AlHpc.Structures.ClusterBatch): positions pos[3*a + x] of all atoms of all clusters;
// cluster c owns atoms offsets[c] .. offsets[c+1]-1. Neighbour lists have a fixed stride per atom:
// nbr[a*stride + q] (global atom index) for q < nnum[a]; overflow is reported through max_count.

// Cluster of atom a by binary search over offsets[0..nclusters] (no host-side atom->cluster array).
inline int cluster_of(__global const int* offsets, int nclusters, int a)
{
    int lo = 0, hi = nclusters; // offsets[lo] <= a < offsets[hi]
    while (hi - lo > 1) {
        int mid = (lo + hi) >> 1;
        if (offsets[mid] <= a) lo = mid; else hi = mid;
    }
    return lo;
}

// All-pairs neighbour list within each cluster (clusters here hold 1-200 beads): one work-item per atom,
// neighbours in increasing index. Writes at most `stride` entries; the true count goes to nnum and the
// largest count over all atoms to *max_count so the host can detect overflow and rerun with a larger stride.
__kernel void neighbour_list(const int natoms, const int nclusters,
                             __global const int* offsets, __global const real* pos,
                             const real cutoff, const int stride,
                             __global int* nnum, __global int* nbr, __global int* max_count)
{
    int a = get_global_id(0);
    if (a >= natoms) return;
    int c = cluster_of(offsets, nclusters, a);
    int b0 = offsets[c], b1 = offsets[c + 1];
    real xa = pos[3 * a], ya = pos[3 * a + 1], za = pos[3 * a + 2];
    real rc2 = cutoff * cutoff;
    int n = 0;
    for (int b = b0; b < b1; b++) {
        if (b == a) continue;
        real dx = pos[3 * b] - xa, dy = pos[3 * b + 1] - ya, dz = pos[3 * b + 2] - za;
        real r2 = dx * dx + dy * dy + dz * dz;
        if (r2 < rc2) {
            if (n < stride) nbr[a * stride + n] = b;
            n++;
        }
    }
    nnum[a] = n;
    atomic_max(max_count, n);
}

// Per-cluster sums of per-atom values (energies): one work-item per cluster, fixed order (deterministic).
__kernel void cluster_sum(const int nclusters, __global const int* offsets,
                          __global const acc* atom_values, __global acc* cluster_values)
{
    int c = get_global_id(0);
    if (c >= nclusters) return;
    acc s = 0;
    for (int a = offsets[c]; a < offsets[c + 1]; a++) s += atom_values[a];
    cluster_values[c] = s;
}

// Force gather: F_a = -(self_grad[a] + sum over neighbours b of a of pair_grad[slot of a in b's list]).
// self_grad[3a..] = dE_a/dr_a (the atom's own energy term), pair_grad[3(b*stride+q)..] = dE_b/dr_{nbr[b,q]}.
// Each work-item writes only its own atom: no atomics, deterministic.
__kernel void gather_forces(const int natoms, const int stride,
                            __global const int* nnum, __global const int* nbr,
                            __global const acc* self_grad, __global const acc* pair_grad,
                            __global acc* forces)
{
    int a = get_global_id(0);
    if (a >= natoms) return;
    acc gx = self_grad[3 * a], gy = self_grad[3 * a + 1], gz = self_grad[3 * a + 2];
    int na = min(nnum[a], stride);
    for (int q = 0; q < na; q++) {
        int b = nbr[a * stride + q];
        int nb = min(nnum[b], stride);
        for (int t = 0; t < nb; t++) {
            if (nbr[b * stride + t] == a) {
                long s = 3L * ((long)b * stride + t);
                gx += pair_grad[s]; gy += pair_grad[s + 1]; gz += pair_grad[s + 2];
                break;
            }
        }
    }
    forces[3 * a] = -gx; forces[3 * a + 1] = -gy; forces[3 * a + 2] = -gz;
}
