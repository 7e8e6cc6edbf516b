/*
 * KIM-API model driver for AlHpc potentials, evaluated by libalhpc.so.
 *
 * Parameter file (one): an AlHpc network model file (JSON, starts with '{') or a LAMMPS pair_style tersoff
 * file (single element). Units: Angstrom and eV, fixed (the simulator converts if it uses others).
 * One species: the potential's element. Computes energy, per-particle energy and forces of the contributing
 * particles as one isolated cluster; AlHpc potentials have no periodic images, so a contributing particle
 * with a non-contributing neighbour inside the cutoff (a periodic image or another MPI rank's atom) is an
 * error: use `boundary f f f` (or a box larger than the cluster plus the cutoff) on one MPI rank.
 * The virial is not supported. No parameters are published (so no Refresh routine).
 */
#include "KIM_LogMacros.h"
#include "KIM_ModelDriverHeaders.h"
#include "alhpc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPECIES_CODE 0

struct buffer {
  double cutoff;
  int no_neighbours_of_noncontributing;
  alhpc_potential potential;
  alhpc_evaluator evaluator;
  int capacity;
  int* index;     /* compact position -> KIM particle */
  int* types;
  double* positions;
  double* forces;
  double* energies;
};

static int destroy_routine(KIM_ModelDestroy* const modelDestroy) {
  struct buffer* b;
  KIM_ModelDestroy_GetModelBufferPointer(modelDestroy, (void**)&b);
  if (b) {
    alhpc_evaluator_free(b->evaluator);
    alhpc_potential_free(b->potential);
    free(b->index); free(b->types); free(b->positions); free(b->forces); free(b->energies);
    free(b);
  }
  return 0;
}

static int grow(struct buffer* b, int n) {
  if (n <= b->capacity) return 0;
  int c = n + n / 2 + 16;
  int* index = realloc(b->index, sizeof(int) * c);
  if (index) b->index = index;
  int* types = realloc(b->types, sizeof(int) * c);
  if (types) b->types = types;
  double* p = realloc(b->positions, sizeof(double) * 3 * c);
  if (p) b->positions = p;
  double* f = realloc(b->forces, sizeof(double) * 3 * c);
  if (f) b->forces = f;
  double* e = realloc(b->energies, sizeof(double) * c);
  if (e) b->energies = e;
  if (!index || !types || !p || !f || !e) return 1;
  b->capacity = c;
  for (int i = 0; i < c; i++) b->types[i] = 0;
  return 0;
}

#undef KIM_LOGGER_FUNCTION_NAME
#define KIM_LOGGER_FUNCTION_NAME KIM_ModelCompute_LogEntry
#undef KIM_LOGGER_OBJECT_NAME
#define KIM_LOGGER_OBJECT_NAME modelCompute
static int compute_routine(KIM_ModelCompute const* const modelCompute,
                           KIM_ModelComputeArguments const* const args) {
  struct buffer* b;
  int *nParts, *codes, *contributing;
  double *coords, *energy = NULL, *force = NULL, *particleEnergy = NULL;
  KIM_ModelCompute_GetModelBufferPointer(modelCompute, (void**)&b);
  if (KIM_ModelComputeArguments_GetArgumentPointerInteger(args, KIM_COMPUTE_ARGUMENT_NAME_numberOfParticles, &nParts)
      || KIM_ModelComputeArguments_GetArgumentPointerInteger(args, KIM_COMPUTE_ARGUMENT_NAME_particleSpeciesCodes, &codes)
      || KIM_ModelComputeArguments_GetArgumentPointerInteger(args, KIM_COMPUTE_ARGUMENT_NAME_particleContributing, &contributing)
      || KIM_ModelComputeArguments_GetArgumentPointerDouble(args, KIM_COMPUTE_ARGUMENT_NAME_coordinates, &coords)
      || KIM_ModelComputeArguments_GetArgumentPointerDouble(args, KIM_COMPUTE_ARGUMENT_NAME_partialEnergy, &energy)
      || KIM_ModelComputeArguments_GetArgumentPointerDouble(args, KIM_COMPUTE_ARGUMENT_NAME_partialForces, &force)
      || KIM_ModelComputeArguments_GetArgumentPointerDouble(args, KIM_COMPUTE_ARGUMENT_NAME_partialParticleEnergy, &particleEnergy)) {
    LOG_ERROR("AlHpc driver: cannot get the compute arguments");
    return 1;
  }
  int n = *nParts, m = 0;
  if (grow(b, n)) { LOG_ERROR("AlHpc driver: out of memory"); return 1; }
  for (int i = 0; i < n; i++) {
    if (!contributing[i]) continue;
    if (codes[i] != SPECIES_CODE) { LOG_ERROR("AlHpc driver: unexpected species code"); return 1; }
    /* an isolated cluster: no non-contributing particle may be within the cutoff of a contributing one */
    int nn;
    int const* neigh;
    if (KIM_ModelComputeArguments_GetNeighborList(args, 0, i, &nn, &neigh)) { LOG_ERROR("AlHpc driver: no neighbour list"); return 1; }
    for (int a = 0; a < nn; a++) {
      int j = neigh[a];
      if (contributing[j]) continue;
      double dx = coords[3 * j] - coords[3 * i], dy = coords[3 * j + 1] - coords[3 * i + 1], dz = coords[3 * j + 2] - coords[3 * i + 2];
      if (dx * dx + dy * dy + dz * dz < b->cutoff * b->cutoff) {
        LOG_ERROR("AlHpc driver: a periodic image or another rank's atom is within the cutoff; AlHpc evaluates isolated clusters (use boundary f f f on one MPI rank)");
        return 1;
      }
    }
    b->index[m] = i;
    b->positions[3 * m] = coords[3 * i];
    b->positions[3 * m + 1] = coords[3 * i + 1];
    b->positions[3 * m + 2] = coords[3 * i + 2];
    m++;
  }
  double e = 0;
  int rc = alhpc_compute(b->evaluator, m, b->types, b->positions, &e, force ? b->forces : NULL, particleEnergy ? b->energies : NULL);
  if (rc != ALHPC_OK) {
    char msg[1024];
    snprintf(msg, sizeof msg, "AlHpc driver: %s", alhpc_last_error());
    LOG_ERROR(msg);
    return 1;
  }
  if (energy) *energy = e;
  if (force) {
    for (int i = 0; i < 3 * n; i++) force[i] = 0;
    for (int a = 0; a < m; a++)
      for (int k = 0; k < 3; k++) force[3 * b->index[a] + k] = b->forces[3 * a + k];
  }
  if (particleEnergy) {
    for (int i = 0; i < n; i++) particleEnergy[i] = 0;
    for (int a = 0; a < m; a++) particleEnergy[b->index[a]] = b->energies[a];
  }
  return 0;
}

#undef KIM_LOGGER_FUNCTION_NAME
#define KIM_LOGGER_FUNCTION_NAME KIM_ModelComputeArgumentsCreate_LogEntry
#undef KIM_LOGGER_OBJECT_NAME
#define KIM_LOGGER_OBJECT_NAME modelComputeArgumentsCreate
static int compute_arguments_create(KIM_ModelCompute const* const modelCompute,
                                    KIM_ModelComputeArgumentsCreate* const modelComputeArgumentsCreate) {
  (void)modelCompute;
  if (KIM_ModelComputeArgumentsCreate_SetArgumentSupportStatus(modelComputeArgumentsCreate, KIM_COMPUTE_ARGUMENT_NAME_partialEnergy, KIM_SUPPORT_STATUS_optional)
      || KIM_ModelComputeArgumentsCreate_SetArgumentSupportStatus(modelComputeArgumentsCreate, KIM_COMPUTE_ARGUMENT_NAME_partialParticleEnergy, KIM_SUPPORT_STATUS_optional)
      || KIM_ModelComputeArgumentsCreate_SetArgumentSupportStatus(modelComputeArgumentsCreate, KIM_COMPUTE_ARGUMENT_NAME_partialForces, KIM_SUPPORT_STATUS_optional)) {
    LOG_ERROR("AlHpc driver: cannot set the argument support");
    return 1;
  }
  return 0;
}

static int compute_arguments_destroy(KIM_ModelCompute const* const modelCompute,
                                     KIM_ModelComputeArgumentsDestroy* const destroy) {
  (void)modelCompute; (void)destroy;
  return 0;
}

#undef KIM_LOGGER_FUNCTION_NAME
#define KIM_LOGGER_FUNCTION_NAME KIM_ModelDriverCreate_LogEntry
#undef KIM_LOGGER_OBJECT_NAME
#define KIM_LOGGER_OBJECT_NAME modelDriverCreate
int alhpc_kim_driver_create(KIM_ModelDriverCreate* const modelDriverCreate,
                            KIM_LengthUnit const requestedLengthUnit, KIM_EnergyUnit const requestedEnergyUnit,
                            KIM_ChargeUnit const requestedChargeUnit, KIM_TemperatureUnit const requestedTemperatureUnit,
                            KIM_TimeUnit const requestedTimeUnit) {
  (void)requestedLengthUnit; (void)requestedEnergyUnit; (void)requestedChargeUnit;
  (void)requestedTemperatureUnit; (void)requestedTimeUnit;
  char msg[1024];
  if (alhpc_abi_version() != ALHPC_ABI_VERSION) { LOG_ERROR("AlHpc driver: libalhpc.so has another ABI version"); return 1; }
  if (KIM_ModelDriverCreate_SetUnits(modelDriverCreate, KIM_LENGTH_UNIT_A, KIM_ENERGY_UNIT_eV, KIM_CHARGE_UNIT_unused,
                                     KIM_TEMPERATURE_UNIT_unused, KIM_TIME_UNIT_unused)
      || KIM_ModelDriverCreate_SetModelNumbering(modelDriverCreate, KIM_NUMBERING_zeroBased)) {
    LOG_ERROR("AlHpc driver: cannot set units/numbering");
    return 1;
  }
  int files = 0;
  KIM_ModelDriverCreate_GetNumberOfParameterFiles(modelDriverCreate, &files);
  if (files != 1) { LOG_ERROR("AlHpc driver: expected one parameter file (a model file or a tersoff file)"); return 1; }
  char const* dir;
  char const* name;
  KIM_ModelDriverCreate_GetParameterFileDirectoryName(modelDriverCreate, &dir);
  if (KIM_ModelDriverCreate_GetParameterFileBasename(modelDriverCreate, 0, &name)) {
    LOG_ERROR("AlHpc driver: cannot get the parameter file name");
    return 1;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE* f = fopen(path, "r");
  if (!f) { snprintf(msg, sizeof msg, "AlHpc driver: cannot open %s", path); LOG_ERROR(msg); return 1; }
  int c;
  while ((c = fgetc(f)) == ' ' || c == '\n' || c == '\r' || c == '\t') {}
  fclose(f);

  struct buffer* b = calloc(1, sizeof *b);
  if (!b) { LOG_ERROR("AlHpc driver: out of memory"); return 1; }
  int rc = c == '{' ? alhpc_potential_load_model(path, &b->potential) : alhpc_potential_load_tersoff(path, &b->potential);
  char species[64];
  if (rc == ALHPC_OK) rc = alhpc_evaluator_create(b->potential, &b->evaluator);
  if (rc == ALHPC_OK) rc = alhpc_potential_cutoff(b->potential, &b->cutoff);
  if (rc == ALHPC_OK) rc = alhpc_potential_species(b->potential, 0, species, sizeof species);
  if (rc != ALHPC_OK) {
    snprintf(msg, sizeof msg, "AlHpc driver: %s", alhpc_last_error());
    LOG_ERROR(msg);
    alhpc_evaluator_free(b->evaluator);
    alhpc_potential_free(b->potential);
    free(b);
    return 1;
  }
  b->no_neighbours_of_noncontributing = 1;
  if (KIM_ModelDriverCreate_SetSpeciesCode(modelDriverCreate, KIM_SpeciesName_FromString(species), SPECIES_CODE)) {
    LOG_ERROR("AlHpc driver: cannot register the species");
    alhpc_evaluator_free(b->evaluator); alhpc_potential_free(b->potential); free(b);
    return 1;
  }
  KIM_ModelDriverCreate_SetModelBufferPointer(modelDriverCreate, b);
  KIM_ModelDriverCreate_SetInfluenceDistancePointer(modelDriverCreate, &b->cutoff);
  KIM_ModelDriverCreate_SetNeighborListPointers(modelDriverCreate, 1, &b->cutoff, &b->no_neighbours_of_noncontributing);
  KIM_ModelComputeArgumentsCreateFunction* caCreate = compute_arguments_create;
  KIM_ModelComputeFunction* compute = compute_routine;
  KIM_ModelComputeArgumentsDestroyFunction* caDestroy = compute_arguments_destroy;
  KIM_ModelDestroyFunction* destroy = destroy_routine;
  if (KIM_ModelDriverCreate_SetRoutinePointer(modelDriverCreate, KIM_MODEL_ROUTINE_NAME_ComputeArgumentsCreate, KIM_LANGUAGE_NAME_c, 1, (KIM_Function*)caCreate)
      || KIM_ModelDriverCreate_SetRoutinePointer(modelDriverCreate, KIM_MODEL_ROUTINE_NAME_Compute, KIM_LANGUAGE_NAME_c, 1, (KIM_Function*)compute)
      || KIM_ModelDriverCreate_SetRoutinePointer(modelDriverCreate, KIM_MODEL_ROUTINE_NAME_ComputeArgumentsDestroy, KIM_LANGUAGE_NAME_c, 1, (KIM_Function*)caDestroy)
      || KIM_ModelDriverCreate_SetRoutinePointer(modelDriverCreate, KIM_MODEL_ROUTINE_NAME_Destroy, KIM_LANGUAGE_NAME_c, 1, (KIM_Function*)destroy)) {
    LOG_ERROR("AlHpc driver: cannot register the routines");
    return 1;
  }
  return 0;
}
