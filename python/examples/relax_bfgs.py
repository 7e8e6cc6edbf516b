"""Relaxes a cluster with ASE's BFGS on AlHpc forces and prints the final energy (eV).

    python3 relax_bfgs.py cluster.xsf [--model model.json] [--fmax 1e-4]
"""
import argparse

from ase.io import read
from ase.optimize import BFGS

from alhpc.ase_calculator import AlHpcCalculator

ap = argparse.ArgumentParser()
ap.add_argument("file")
ap.add_argument("--model")
ap.add_argument("--fmax", type=float, default=1e-4)
args = ap.parse_args()
atoms = read(args.file)
atoms.pbc = False
atoms.calc = AlHpcCalculator(model=args.model)
opt = BFGS(atoms, logfile=None)
converged = opt.run(fmax=args.fmax, steps=5000)
print(f"energy={atoms.get_potential_energy():.12f} steps={opt.get_number_of_steps()} converged={converged}")
