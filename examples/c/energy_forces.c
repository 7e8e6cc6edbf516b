/*
 * energy_forces: energies and forces of every structure of an extended-XYZ file through libalhpc.so.
 *
 *   energy_forces [--model FILE | --tersoff FILE] structures.extxyz
 *
 * Without --model/--tersoff the built-in ML-BOP potential is used. Each atom line must start with the
 * species symbol followed by x y z (Properties=species:S:1:pos:R:3...). Output, per structure:
 *   structure <index> <atoms> <energy eV>
 *   <fx> <fy> <fz>          (one line per atom, eV/A)
 * Exit codes: 0 ok, 2 bad input (message names file and line), 1 other failures.
 *
 * Build: gcc -O2 -I include energy_forces.c -L lib -lalhpc -Wl,-rpath,lib -o energy_forces
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alhpc.h"

static int check(int status, const char* what) {
  if (status != ALHPC_OK) {
    fprintf(stderr, "energy_forces: %s: %s (%s)\n", what, alhpc_last_error(), alhpc_status_string(status));
    exit(status == ALHPC_ERR_IO || status == ALHPC_ERR_FORMAT ? 2 : 1);
  }
  return status;
}

static void bad_input(const char* file, long line, const char* what) {
  fprintf(stderr, "%s:%ld: %s\n", file, line, what);
  exit(2);
}

int main(int argc, char** argv) {
  const char *model = NULL, *tersoff = NULL, *input = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--model") && i + 1 < argc) model = argv[++i];
    else if (!strcmp(argv[i], "--tersoff") && i + 1 < argc) tersoff = argv[++i];
    else if (!input && argv[i][0] != '-') input = argv[i];
    else { fprintf(stderr, "usage: energy_forces [--model FILE | --tersoff FILE] structures.extxyz\n"); return 2; }
  }
  if (!input || (model && tersoff)) { fprintf(stderr, "usage: energy_forces [--model FILE | --tersoff FILE] structures.extxyz\n"); return 2; }
  if (alhpc_abi_version() != ALHPC_ABI_VERSION) { fprintf(stderr, "energy_forces: libalhpc ABI %d, header %d\n", alhpc_abi_version(), ALHPC_ABI_VERSION); return 1; }

  alhpc_potential pot = NULL;
  if (model) check(alhpc_potential_load_model(model, &pot), model);
  else if (tersoff) check(alhpc_potential_load_tersoff(tersoff, &pot), tersoff);
  else check(alhpc_potential_load_mlbop(&pot), "ML-BOP");
  char species[32];
  check(alhpc_potential_species(pot, 0, species, sizeof species), "species");
  alhpc_evaluator ev = NULL;
  check(alhpc_evaluator_create(pot, &ev), "evaluator");

  FILE* f = fopen(input, "r");
  if (!f) { fprintf(stderr, "%s: cannot open\n", input); return 2; }
  char buf[4096];
  long line = 0;
  int structure = 0, capacity = 0;
  int* types = NULL;
  double *pos = NULL, *forces = NULL;
  while (fgets(buf, sizeof buf, f)) {
    line++;
    char* p = buf;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '\n' || *p == '\r' || *p == 0) continue; /* blank line between frames */
    char* end;
    long n = strtol(p, &end, 10);
    if (end == p || n < 0 || n > 100000000) bad_input(input, line, "expected the atom count");
    if (!fgets(buf, sizeof buf, f)) bad_input(input, line + 1, "missing comment line");
    line++;
    if (n > capacity) {
      capacity = (int)n;
      types = realloc(types, sizeof(int) * capacity);
      pos = realloc(pos, sizeof(double) * 3 * capacity);
      forces = realloc(forces, sizeof(double) * 3 * capacity);
      if (!types || !pos || !forces) { fprintf(stderr, "energy_forces: out of memory\n"); return 1; }
    }
    for (long i = 0; i < n; i++) {
      char sym[32];
      double x, y, z;
      if (!fgets(buf, sizeof buf, f)) bad_input(input, line + 1, "file ends inside a structure");
      line++;
      if (sscanf(buf, "%31s %lf %lf %lf", sym, &x, &y, &z) != 4) bad_input(input, line, "expected: species x y z");
      if (strcmp(sym, species) != 0) {
        char msg[128];
        snprintf(msg, sizeof msg, "species '%s' is not the potential's species '%s'", sym, species);
        bad_input(input, line, msg);
      }
      types[i] = 0;
      pos[3 * i] = x; pos[3 * i + 1] = y; pos[3 * i + 2] = z;
    }
    double energy;
    check(alhpc_compute(ev, (int)n, types, pos, &energy, forces, NULL), input);
    printf("structure %d %ld %.17g\n", structure++, n, energy);
    for (long i = 0; i < n; i++) printf("%.17g %.17g %.17g\n", forces[3 * i], forces[3 * i + 1], forces[3 * i + 2]);
  }
  fclose(f);
  free(types); free(pos); free(forces);
  alhpc_evaluator_free(ev);
  alhpc_potential_free(pot);
  return 0;
}
