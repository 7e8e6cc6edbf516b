/* A host that loads and unloads libalhpc.so again and again, as the KIM API does on every LAMMPS `clear`
   (it dlcloses the model driver). A NativeAOT runtime cannot be unloaded, so the library must stay mapped
   (linked with -z nodelete): after each dlclose, dlopen(RTLD_NOLOAD) must still find it, and each cycle's
   energy of a 3-bead cluster must equal the first. Prints "reload ok CYCLES ENERGY" on success. */
#include <dlfcn.h>
#include <stdio.h>

typedef void* handle;
int main(int argc, char** argv) {
  if (argc != 2) { fprintf(stderr, "usage: reload LIBRARY\n"); return 2; }
  const double pos[9] = {0, 0, 0, 2.8, 0, 0, 0, 2.9, 0.3};
  const int types[3] = {0, 0, 0};
  double first = 0;
  const int cycles = 25;
  for (int k = 0; k < cycles; k++) {
    void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) { fprintf(stderr, "cycle %d: dlopen: %s\n", k, dlerror()); return 1; }
    int (*load)(handle*) = (int (*)(handle*))dlsym(lib, "alhpc_potential_load_mlbop");
    int (*create)(handle, handle*) = (int (*)(handle, handle*))dlsym(lib, "alhpc_evaluator_create");
    int (*compute)(handle, int, const int*, const double*, double*, double*, double*) =
        (int (*)(handle, int, const int*, const double*, double*, double*, double*))dlsym(lib, "alhpc_compute");
    int (*efree)(handle) = (int (*)(handle))dlsym(lib, "alhpc_evaluator_free");
    int (*pfree)(handle) = (int (*)(handle))dlsym(lib, "alhpc_potential_free");
    if (!load || !create || !compute || !efree || !pfree) { fprintf(stderr, "cycle %d: missing symbol\n", k); return 1; }
    handle p = NULL, ev = NULL;
    double e = 0, f[9];
    if (load(&p) || create(p, &ev) || compute(ev, 3, types, pos, &e, f, NULL) || efree(ev) || pfree(p)) {
      fprintf(stderr, "cycle %d: a call failed\n", k); return 1;
    }
    if (k == 0) first = e;
    else if (e != first) { fprintf(stderr, "cycle %d: energy %.17g differs from %.17g\n", k, e, first); return 1; }
    if (dlclose(lib)) { fprintf(stderr, "cycle %d: dlclose: %s\n", k, dlerror()); return 1; }
    void* still = dlopen(argv[1], RTLD_NOW | RTLD_NOLOAD);
    if (!still) { fprintf(stderr, "cycle %d: libalhpc.so was unmapped by dlclose (not linked -z nodelete)\n", k); return 1; }
    dlclose(still);
  }
  printf("reload ok %d %.17g\n", cycles, first);
  return 0;
}
