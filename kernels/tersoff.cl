// tersoff.cl: Tersoff (LAMMPS pair_style tersoff form, one element) energies and gradients.
// E = sum_a E_a, E_a = 1/2 sum_{j != a} fc(r_aj) [A exp(-lambda1 r_aj) - b_aj B exp(-lambda2 r_aj)],
// b_aj = (1 + (beta zeta_aj)^n)^(-1/(2n)), zeta_aj = sum_{k != a,j} fc(r_ak) g(cos theta_jak) exp(arg),
// arg = (lambda3 (r_aj - r_ak))^m (m = 3) or lambda3 (r_aj - r_ak) (m = 1, as LAMMPS),
// g = gamma (1 + c^2/d^2 - c^2 / (d^2 + (h - cos)^2)).
// Parameters (par[]), LAMMPS order: m gamma lambda3 c d h n beta lambda2 B R D lambda1 A.
// One work-item per atom a: E_a, dE_a/dr_a (self_grad) and dE_a/dr_j for each neighbour j (pair_grad slots).

#define T_M par[0]
#define T_GAMMA par[1]
#define T_LAMBDA3 par[2]
#define T_C par[3]
#define T_D par[4]
#define T_H par[5]
#define T_N par[6]
#define T_BETA par[7]
#define T_LAMBDA2 par[8]
#define T_B par[9]
#define T_R par[10]
#define T_DD par[11]
#define T_LAMBDA1 par[12]
#define T_A par[13]

inline real ters_fc(real r, __global const real* par, real* dfc)
{
    real R = T_R, D = T_DD;
    if (r < R - D) { *dfc = 0; return 1; }
    if (r > R + D) { *dfc = 0; return 0; }
    real arg = M_PI_2 * (r - R) / D; // M_PI_2 is a double constant; converted to real
    *dfc = -(M_PI_4 / D) * cos(arg);
    return 0.5 * (1 - sin(arg));
}

inline real ters_exp(real rij, real rik, __global const real* par, real* dexp_drij)
{
    real l3 = T_LAMBDA3;
    if (l3 == 0) { *dexp_drij = 0; return 1; }
    real d = rij - rik, e, darg;
    if (T_M == 3) { e = exp(l3 * l3 * l3 * d * d * d); darg = 3 * l3 * l3 * l3 * d * d; }
    else { e = exp(l3 * d); darg = l3; }
    *dexp_drij = e * darg; // d/dr_ik = -this
    return e;
}

inline real ters_g(real cost, __global const real* par, real* dg)
{
    real c2 = T_C * T_C, d2 = T_D * T_D, hc = T_H - cost;
    real den = d2 + hc * hc;
    *dg = -T_GAMMA * 2 * c2 * hc / (den * den); // d g / d cos
    return T_GAMMA * (1 + c2 / d2 - c2 / den);
}

__kernel void tersoff_atoms(const int natoms, const int stride,
                            __global const real* pos, __global const int* nnum, __global const int* nbr,
                            __global const real* par,
                            __global acc* atom_energy, __global acc* self_grad, __global acc* pair_grad)
{
    int a = get_global_id(0);
    if (a >= natoms) return;
    int na = min(nnum[a], stride);
    __global const int* nb = nbr + (long)a * stride;
    __global acc* pg = pair_grad + 3L * a * stride;
    for (int q = 0; q < 3 * na; q++) pg[q] = 0;
    real xa = pos[3 * a], ya = pos[3 * a + 1], za = pos[3 * a + 2];
    acc e = 0, sx = 0, sy = 0, sz = 0;
    real n = T_N, beta = T_BETA;
    for (int q = 0; q < na; q++) {
        int j = nb[q];
        real dxj = pos[3 * j] - xa, dyj = pos[3 * j + 1] - ya, dzj = pos[3 * j + 2] - za;
        real rij = sqrt(dxj * dxj + dyj * dyj + dzj * dzj);
        real ux = dxj / rij, uy = dyj / rij, uz = dzj / rij;
        real dfcj, fcj = ters_fc(rij, par, &dfcj);
        if (fcj == 0 && dfcj == 0) continue;
        // repulsive: 1/2 fc A exp(-l1 r)
        real er = T_A * exp(-T_LAMBDA1 * rij);
        real vr = 0.5 * fcj * er;
        real dvr = 0.5 * (dfcj * er - T_LAMBDA1 * fcj * er);
        // zeta
        real zeta = 0;
        for (int t = 0; t < na; t++) {
            if (t == q) continue;
            int k = nb[t];
            real dxk = pos[3 * k] - xa, dyk = pos[3 * k + 1] - ya, dzk = pos[3 * k + 2] - za;
            real rik = sqrt(dxk * dxk + dyk * dyk + dzk * dzk);
            real dfck, fck = ters_fc(rik, par, &dfck);
            if (fck == 0) continue;
            real cost = (dxj * dxk + dyj * dyk + dzj * dzk) / (rij * rik);
            real dg, g = ters_g(cost, par, &dg);
            real dex, ex = ters_exp(rij, rik, par, &dex);
            zeta += fck * g * ex;
        }
        real fa = -T_B * exp(-T_LAMBDA2 * rij);      // without fc
        real dfa = T_LAMBDA2 * T_B * exp(-T_LAMBDA2 * rij);
        real bz = beta * zeta;
        real b, dbdz;
        if (zeta > 0) {
            real bzn = pow(bz, n);
            real u = 1 + bzn;
            b = pow(u, -1 / (2 * n));
            dbdz = -0.5 * beta * pow(bz, n - 1) * pow(u, -1 / (2 * n) - 1);
        } else { b = 1; dbdz = 0; }
        // attractive: 1/2 b fc fa
        real va = 0.5 * b * fcj * fa;
        real dva = 0.5 * b * (dfcj * fa + fcj * dfa);
        e += vr + va;
        real dr = dvr + dva; // dE_a / d r_aj along u (direction a -> j)
        pg[3 * q] += dr * ux; pg[3 * q + 1] += dr * uy; pg[3 * q + 2] += dr * uz;
        sx -= dr * ux; sy -= dr * uy; sz -= dr * uz;
        // zeta derivatives: prefactor P = 1/2 fc_j fa db/dzeta
        real P = 0.5 * fcj * fa * dbdz;
        if (P == 0) continue;
        for (int t = 0; t < na; t++) {
            if (t == q) continue;
            int k = nb[t];
            real dxk = pos[3 * k] - xa, dyk = pos[3 * k + 1] - ya, dzk = pos[3 * k + 2] - za;
            real rik = sqrt(dxk * dxk + dyk * dyk + dzk * dzk);
            real dfck, fck = ters_fc(rik, par, &dfck);
            if (fck == 0 && dfck == 0) continue;
            real vx = dxk / rik, vy = dyk / rik, vz = dzk / rik;
            real cost = ux * vx + uy * vy + uz * vz;
            real dg, g = ters_g(cost, par, &dg);
            real dex, ex = ters_exp(rij, rik, par, &dex);
            // d cos / d r_j = (v - cos u) / rij ; d cos / d r_k = (u - cos v) / rik
            real cj = P * fck * dg * ex / rij, ck = P * fck * dg * ex / rik;
            real gjr = P * fck * g * dex;                 // along u, on j
            real gkr = P * (dfck * g * ex - fck * g * dex); // along v, on k
            real gjx = cj * (vx - cost * ux) + gjr * ux, gjy = cj * (vy - cost * uy) + gjr * uy, gjz = cj * (vz - cost * uz) + gjr * uz;
            real gkx = ck * (ux - cost * vx) + gkr * vx, gky = ck * (uy - cost * vy) + gkr * vy, gkz = ck * (uz - cost * vz) + gkr * vz;
            pg[3 * q] += gjx; pg[3 * q + 1] += gjy; pg[3 * q + 2] += gjz;
            pg[3 * t] += gkx; pg[3 * t + 1] += gky; pg[3 * t + 2] += gkz;
            sx -= gjx + gkx; sy -= gjy + gky; sz -= gjz + gkz;
        }
    }
    atom_energy[a] = e;
    self_grad[3 * a] = sx; self_grad[3 * a + 1] = sy; self_grad[3 * a + 2] = sz;
}
