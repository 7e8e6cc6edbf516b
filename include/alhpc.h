/*
 * alhpc.h - C API of libalhpc.so, the AlHpc energy engine compiled ahead of time (NativeAOT).
 *
 * Units: energies eV, lengths Angstrom, forces eV/Angstrom (temperatures, where a caller needs them, K).
 * Positions are flat arrays x0 y0 z0 x1 y1 z1 ... (double, 3 n entries); per-atom types are species
 * indices (int, n entries) into the potential's species list (alhpc_potential_species).
 *
 * Errors: every function except alhpc_abi_version / alhpc_version / alhpc_last_error / alhpc_status_string
 * returns an alhpc_status; ALHPC_OK (0) is success. On failure alhpc_last_error() returns a message for
 * the calling thread (valid until that thread's next failing call). Nothing aborts or unwinds into the
 * caller. Inputs are validated before any output is written; on failure outputs are left unspecified
 * (the energy is not written; force and per-atom arrays may be zeroed).
 *
 * Ownership: handles are created by *_load_* / *_create and released by the matching *_free (freeing
 * NULL is a no-op). An evaluator or MC backend keeps its potential alive: the potential handle may be
 * freed before them. Arrays are always owned by the caller; the library copies what it keeps.
 * Strings returned as const char* are owned by the library.
 *
 * Threads: a potential is immutable and may be shared by all threads (evaluators, MC backends and
 * alhpc_compute_batch calls may run concurrently on it). An evaluator or MC backend is used by one
 * thread at a time; concurrent use of one is detected and fails with ALHPC_ERR_BUSY.
 *
 * Full reference: docs/embedding.md.
 */
#ifndef ALHPC_H
#define ALHPC_H

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI this header describes; compare with alhpc_abi_version() at run time. */
#define ALHPC_ABI_VERSION 1

typedef enum alhpc_status {
  ALHPC_OK = 0,
  ALHPC_ERR_NULL_POINTER = 1,     /* a required pointer or handle is NULL */
  ALHPC_ERR_BAD_HANDLE = 2,       /* freed, forged, or a handle of another kind */
  ALHPC_ERR_INVALID_ARGUMENT = 3, /* count, index, offsets, buffer size out of range */
  ALHPC_ERR_NONFINITE = 4,        /* NaN/Inf coordinate, or a non-finite result (atoms on top of each other) */
  ALHPC_ERR_SPECIES = 5,          /* a species index the potential does not accept */
  ALHPC_ERR_IO = 6,               /* a file cannot be found or read */
  ALHPC_ERR_FORMAT = 7,           /* a file's content is malformed (message: file, line, what) */
  ALHPC_ERR_STATE = 8,            /* MC protocol order: no reset, a pending proposal, accept without one */
  ALHPC_ERR_BUSY = 9,             /* the evaluator/backend is in use by another thread */
  ALHPC_ERR_INTERNAL = 10         /* anything else (message says what) */
} alhpc_status;

typedef struct alhpc_potential_s* alhpc_potential; /* opaque */
typedef struct alhpc_evaluator_s* alhpc_evaluator; /* opaque */
typedef struct alhpc_mc_s* alhpc_mc;               /* opaque */

/* ---- library ---- */
int alhpc_abi_version(void);              /* ALHPC_ABI_VERSION of the loaded library */
const char* alhpc_version(void);          /* program version, e.g. "0.1.0.0" */
const char* alhpc_last_error(void);       /* message of this thread's last failing call ("" if none) */
const char* alhpc_status_string(int status);

/* ---- potentials (shareable between threads) ---- */
int alhpc_potential_load_mlbop(alhpc_potential* result);                    /* built-in ML-BOP water */
int alhpc_potential_load_tersoff(const char* path, alhpc_potential* result); /* LAMMPS tersoff file */
int alhpc_potential_load_model(const char* path, alhpc_potential* result);   /* AlHpc network model file */
int alhpc_potential_free(alhpc_potential potential);
int alhpc_potential_cutoff(alhpc_potential potential, double* cutoff);       /* A */
int alhpc_potential_species_count(alhpc_potential potential, int* count);
/* element symbol of species index `index` into buffer (NUL-terminated; capacity in bytes) */
int alhpc_potential_species(alhpc_potential potential, int index, char* buffer, int capacity);
int alhpc_potential_name(alhpc_potential potential, char* buffer, int capacity);

/* ---- one cluster (an evaluator owns scratch memory; one per thread) ---- */
int alhpc_evaluator_create(alhpc_potential potential, alhpc_evaluator* result);
int alhpc_evaluator_free(alhpc_evaluator evaluator);
/* Energy (eV) of n atoms; forces (3n, eV/A, = -dE/dr) and atom_energies (n, eV, summing to the energy)
   are optional (NULL = not wanted). Allocation-free after the first call at a given size. */
int alhpc_compute(alhpc_evaluator evaluator, int n, const int* types, const double* positions,
                  double* energy, double* forces, double* atom_energies);

/* ---- many clusters on all cores ----
   Cluster c holds atoms offsets[c] .. offsets[c+1]-1 (offsets: clusters+1 entries, offsets[0] = 0,
   non-decreasing); types/positions/forces are laid out over all atoms. forces may be NULL.
   threads <= 0: all cores. Results do not depend on the thread count (bit for bit). */
int alhpc_compute_batch(alhpc_potential potential, int clusters, const int* offsets, const int* types,
                        const double* positions, double* energies, double* forces, int threads);

/* ---- Monte Carlo energy backend (local updates; one per thread) ----
   Protocol: alhpc_mc_reset, then rounds of one proposal (move / insert / remove), which returns dE
   without changing the state, followed by exactly one of alhpc_mc_accept / alhpc_mc_reject.
   Removal of atom k moves the last atom into slot k; insertion appends at index count. */
int alhpc_mc_create(alhpc_potential potential, alhpc_mc* result);
int alhpc_mc_free(alhpc_mc mc);
int alhpc_mc_reset(alhpc_mc mc, int n, const int* types, const double* positions, double* energy /* may be NULL */);
int alhpc_mc_propose_move(alhpc_mc mc, int index, double x, double y, double z, double* dE);
int alhpc_mc_propose_insert(alhpc_mc mc, int type, double x, double y, double z, double* dE);
int alhpc_mc_propose_remove(alhpc_mc mc, int index, double* dE);
int alhpc_mc_accept(alhpc_mc mc);
int alhpc_mc_reject(alhpc_mc mc);
int alhpc_mc_energy(alhpc_mc mc, double* energy); /* total energy of the current state (eV) */
int alhpc_mc_count(alhpc_mc mc, int* count);
int alhpc_mc_positions(alhpc_mc mc, double* positions, int capacity /* atoms */); /* copies 3*count */

#ifdef __cplusplus
}
#endif
#endif /* ALHPC_H */
