// descriptors.cl: Behler2011 (aenet) G2/G5 symmetry functions, values and position derivatives.
// Needs from the prelude: NF (number of functions). Function table funcs[SF_W*f ..]: kind (2 or 5), eta (A^-2),
// Rs (A), lambda (+-1), zeta, Rc (A), 2^(1-zeta), integer zeta (or -1).
// Cost: consecutive functions sharing Rc (and, for G5, eta) reuse the cutoff and radial terms of the pair/triplet,
// and integer zeta uses pown, so a triplet costs one cutoff pair, one exp per distinct eta and cheap powers.
//   fc(r) = 1/2 [cos(pi r / Rc) + 1] (r < Rc), else 0
//   G2 = sum_j exp(-eta (r_ij - Rs)^2) fc(r_ij)
//   G5 = 2^(1-zeta) sum_{j<k} (1 + lambda cos)^zeta exp(-eta (r_ij^2 + r_ik^2)) fc(r_ij) fc(r_ik), cos clamped to [-1, 1]
// Neighbour lists come from neighbour_list (common.cl) with cutoff max(Rc).

#define SF_W 8

inline real sf_pow(real base, __global const real* p)
{
    return p[7] >= 0 ? pown(base, (int)p[7]) : pow(base, p[4]);
}

inline real sf_fc(real r, real rc, real* dfc)
{
    if (r >= rc) { *dfc = 0; return 0; }
    real x = M_PI * r / rc;
    *dfc = -0.5 * M_PI / rc * sin(x);
    return 0.5 * (cos(x) + 1);
}

__kernel void descriptor_values(const int natoms, const int stride,
                                __global const real* pos, __global const int* nnum, __global const int* nbr,
                                __global const real* funcs, __global real* G)
{
    int a = get_global_id(0);
    if (a >= natoms) return;
    int na = min(nnum[a], stride);
    __global const int* nb = nbr + (long)a * stride;
    real xa = pos[3 * a], ya = pos[3 * a + 1], za = pos[3 * a + 2];
    acc g[NF];
    for (int f = 0; f < NF; f++) g[f] = 0;
    for (int q = 0; q < na; q++) {
        int j = nb[q];
        real dxj = pos[3 * j] - xa, dyj = pos[3 * j + 1] - ya, dzj = pos[3 * j + 2] - za;
        real rj = sqrt(dxj * dxj + dyj * dyj + dzj * dzj);
        real lrc = -1, fc = 0, d;
        for (int f = 0; f < NF; f++) {
            __global const real* p = funcs + SF_W * f;
            if (p[0] != 2) continue;
            if (p[5] != lrc) { lrc = p[5]; fc = sf_fc(rj, lrc, &d); }
            if (fc == 0) continue;
            real t = rj - p[2];
            g[f] += exp(-p[1] * t * t) * fc;
        }
        for (int t = q + 1; t < na; t++) {
            int k = nb[t];
            real dxk = pos[3 * k] - xa, dyk = pos[3 * k + 1] - ya, dzk = pos[3 * k + 2] - za;
            real rk = sqrt(dxk * dxk + dyk * dyk + dzk * dzk);
            real cost = (dxj * dxk + dyj * dyk + dzj * dzk) / (rj * rk);
            cost = clamp(cost, (real)-1, (real)1);
            real lrc = -1, leta = -1, fj = 0, fk = 0, dj, dk, ex = 0;
            for (int f = 0; f < NF; f++) {
                __global const real* p = funcs + SF_W * f;
                if (p[0] != 5) continue;
                if (p[5] != lrc) { lrc = p[5]; fj = sf_fc(rj, lrc, &dj); fk = sf_fc(rk, lrc, &dk); leta = -1; }
                if (fj == 0 || fk == 0) continue;
                if (p[1] != leta) { leta = p[1]; ex = exp(-leta * (rj * rj + rk * rk)) * fj * fk; }
                g[f] += p[6] * sf_pow(1 + p[3] * cost, p) * ex;
            }
        }
    }
    for (int f = 0; f < NF; f++) G[(long)a * NF + f] = g[f];
}

// Gradient terms of atom a's descriptors. mode 0 (forces): contracts with coef[a*NF + f] = dE/dG_{a,f} and
// writes self_out[3a..] = sum_f coef dG_{a,f}/dr_a, pair_out[3(a*stride+q)..] = sum_f coef dG_{a,f}/dr_{nbr q}.
// mode 1 (derivatives): self_out[(a*NF+f)*3 + c], pair_out[((a*stride+q)*NF+f)*3 + c] per function.
inline void descriptor_gradient(const int mode, int a, int stride,
                                __global const real* pos, __global const int* nnum, __global const int* nbr,
                                __global const real* funcs, __global const real* coef,
                                __global acc* self_out, __global acc* pair_out)
{
    int na = min(nnum[a], stride);
    __global const int* nb = nbr + (long)a * stride;
    real xa = pos[3 * a], ya = pos[3 * a + 1], za = pos[3 * a + 2];
    int width = mode == 0 ? 3 : 3 * NF;
    __global acc* pg = pair_out + (long)a * stride * width;
    __global acc* sg = self_out + (long)a * width;
    for (int q = 0; q < na * width; q++) pg[q] = 0;
    for (int q = 0; q < width; q++) sg[q] = 0;
    acc sx = 0, sy = 0, sz = 0;   // mode 0: self gradient, written once at the end
    real cf[NF];                  // mode 0: dE/dG of this atom
    if (mode == 0) for (int f = 0; f < NF; f++) cf[f] = coef[(long)a * NF + f];
    for (int q = 0; q < na; q++) {
        int j = nb[q];
        real dxj = pos[3 * j] - xa, dyj = pos[3 * j + 1] - ya, dzj = pos[3 * j + 2] - za;
        real rj = sqrt(dxj * dxj + dyj * dyj + dzj * dzj);
        real ux = dxj / rj, uy = dyj / rj, uz = dzj / rj;
        real lrc2 = -1, fc = 0, d = 0, S2 = 0;
        for (int f = 0; f < NF; f++) {
            __global const real* p = funcs + SF_W * f;
            if (p[0] != 2) continue;
            if (p[5] != lrc2) { lrc2 = p[5]; fc = sf_fc(rj, lrc2, &d); }
            if (fc == 0 && d == 0) continue;
            real t = rj - p[2];
            real e = exp(-p[1] * t * t);
            real s = e * (d - 2 * p[1] * t * fc); // dG/dr_j along u
            if (mode == 0) {
                S2 += cf[f] * s;
            } else {
                pg[(q * NF + f) * 3] += s * ux; pg[(q * NF + f) * 3 + 1] += s * uy; pg[(q * NF + f) * 3 + 2] += s * uz;
                sg[f * 3] -= s * ux; sg[f * 3 + 1] -= s * uy; sg[f * 3 + 2] -= s * uz;
            }
        }
        if (mode == 0 && S2 != 0) {
            pg[3 * q] += S2 * ux; pg[3 * q + 1] += S2 * uy; pg[3 * q + 2] += S2 * uz;
            sx -= S2 * ux; sy -= S2 * uy; sz -= S2 * uz;
        }
        for (int t = q + 1; t < na; t++) {
            int k = nb[t];
            real dxk = pos[3 * k] - xa, dyk = pos[3 * k + 1] - ya, dzk = pos[3 * k + 2] - za;
            real rk = sqrt(dxk * dxk + dyk * dyk + dzk * dzk);
            real vx = dxk / rk, vy = dyk / rk, vz = dzk / rk;
            real cost = ux * vx + uy * vy + uz * vz;
            bool clamped = cost > 1 || cost < -1;
            cost = clamp(cost, (real)-1, (real)1);
            real lrc = -1, leta = -1, fj = 0, fk = 0, dj = 0, dk = 0, R = 0, dRj = 0, dRk = 0;
            real CJ = 0, CK = 0, SJ = 0, SK = 0; // mode 0: sums over functions of coef * (cj, ck, sj, sk)
            for (int f = 0; f < NF; f++) {
                __global const real* p = funcs + SF_W * f;
                if (p[0] != 5) continue;
                if (p[5] != lrc) { lrc = p[5]; fj = sf_fc(rj, lrc, &dj); fk = sf_fc(rk, lrc, &dk); leta = -1; }
                if (fj == 0 || fk == 0) continue;
                real eta = p[1], lam = p[3], zeta = p[4];
                if (eta != leta) {
                    leta = eta;
                    real ex = exp(-eta * (rj * rj + rk * rk));
                    R = ex * fj * fk;
                    dRj = ex * fk * (dj - 2 * eta * rj * fj); // dR/dr_j (scalar)
                    dRk = ex * fj * (dk - 2 * eta * rk * fk);
                }
                real pre = p[6];
                real base = 1 + lam * cost;
                real Pm1 = p[7] >= 0 ? pown(base, (int)p[7] - 1) : pow(base, zeta - 1);
                real P = Pm1 * base;
                real dP = clamped ? 0 : zeta * Pm1 * lam; // dP/dcos
                real cj = pre * dP * R / rj, ck = pre * dP * R / rk;
                real sj = pre * P * dRj, sk = pre * P * dRk;
                if (mode == 0) {
                    real c = cf[f];
                    CJ += c * cj; CK += c * ck; SJ += c * sj; SK += c * sk;
                } else {
                    real gjx = cj * (vx - cost * ux) + sj * ux, gjy = cj * (vy - cost * uy) + sj * uy, gjz = cj * (vz - cost * uz) + sj * uz;
                    real gkx = ck * (ux - cost * vx) + sk * vx, gky = ck * (uy - cost * vy) + sk * vy, gkz = ck * (uz - cost * vz) + sk * vz;
                    pg[(q * NF + f) * 3] += gjx; pg[(q * NF + f) * 3 + 1] += gjy; pg[(q * NF + f) * 3 + 2] += gjz;
                    pg[(t * NF + f) * 3] += gkx; pg[(t * NF + f) * 3 + 1] += gky; pg[(t * NF + f) * 3 + 2] += gkz;
                    sg[f * 3] -= gjx + gkx; sg[f * 3 + 1] -= gjy + gky; sg[f * 3 + 2] -= gjz + gkz;
                }
            }
            if (mode == 0 && (CJ != 0 || CK != 0 || SJ != 0 || SK != 0)) {
                real gjx = CJ * (vx - cost * ux) + SJ * ux, gjy = CJ * (vy - cost * uy) + SJ * uy, gjz = CJ * (vz - cost * uz) + SJ * uz;
                real gkx = CK * (ux - cost * vx) + SK * vx, gky = CK * (uy - cost * vy) + SK * vy, gkz = CK * (uz - cost * vz) + SK * vz;
                pg[3 * q] += gjx; pg[3 * q + 1] += gjy; pg[3 * q + 2] += gjz;
                pg[3 * t] += gkx; pg[3 * t + 1] += gky; pg[3 * t + 2] += gkz;
                sx -= gjx + gkx; sy -= gjy + gky; sz -= gjz + gkz;
            }
        }
    }
    if (mode == 0) { sg[0] = sx; sg[1] = sy; sg[2] = sz; }
}

// Forces step 1: per-atom gradient terms contracted with dE/dG (then gather_forces in common.cl).
__kernel void descriptor_forces(const int natoms, const int stride,
                                __global const real* pos, __global const int* nnum, __global const int* nbr,
                                __global const real* funcs, __global const real* dEdG,
                                __global acc* self_grad, __global acc* pair_grad)
{
    int a = get_global_id(0);
    if (a >= natoms) return;
    descriptor_gradient(0, a, stride, pos, nnum, nbr, funcs, dEdG, self_grad, pair_grad);
}

// Full derivatives dG_{a,f}/dr (self and per neighbour slot), for checks against the CPU engine.
__kernel void descriptor_derivatives(const int natoms, const int stride,
                                     __global const real* pos, __global const int* nnum, __global const int* nbr,
                                     __global const real* funcs,
                                     __global acc* self_d, __global acc* pair_d)
{
    int a = get_global_id(0);
    if (a >= natoms) return;
    descriptor_gradient(1, a, stride, pos, nnum, nbr, funcs, funcs, self_d, pair_d);
}
