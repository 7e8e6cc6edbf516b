"""CPU time per bead of energy + forces from Python: the raw ctypes call (alhpc.Evaluator.compute) and the
ASE calculator (atoms.get_potential_energy() + atoms.get_forces() after a position change), one thread,
best of 5 rounds of process CPU time. Compare with the in-process .NET figure of
`dotnet run -c Release --project bench/AlHpc.Bench -- native-cputime` (which writes the clusters and model).

    PYTHONPATH=python /usr/bin/python3 bench/native/ase_probe.py bench-thermal-25.extxyz [--model bench-model.json]
"""
import argparse
import time

import numpy as np
from ase.io import read

import alhpc
from alhpc.ase_calculator import AlHpcCalculator

ap = argparse.ArgumentParser()
ap.add_argument("files", nargs="+")
ap.add_argument("--model")
args = ap.parse_args()
pot = alhpc.Potential.model(args.model) if args.model else alhpc.Potential.mlbop()


def best(fn, reps):
    for _ in range(min(reps, 50)):
        fn()
    b = float("inf")
    for _ in range(5):
        t0 = time.process_time()
        for _ in range(reps):
            fn()
        b = min(b, (time.process_time() - t0) / reps)
    return b


for path in args.files:
    atoms = read(path)
    atoms.pbc = False
    n = len(atoms)
    reps = max(100, 40000 // n)
    ev = pot.evaluator()
    pos = atoms.get_positions()
    t_raw = best(lambda: ev.compute(pos), reps)
    atoms.calc = AlHpcCalculator(potential=pot)
    delta = np.zeros_like(pos)
    delta[0, 0] = 1e-9

    def ase_step():
        atoms.positions += delta  # a change, so the calculator recomputes
        atoms.get_potential_energy()
        atoms.get_forces()

    t_ase = best(ase_step, reps)
    print(f"{pot.name}: {n} beads: ctypes call {1e6 * t_raw / n:.3f} us/bead, ASE calculator {1e6 * t_ase / n:.3f} us/bead")
