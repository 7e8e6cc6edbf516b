"""Energies and forces of every structure of a file (any format ASE reads) with AlHpc, as JSON on stdout.

    python3 energies_forces.py structures.extxyz [--model model.json | --tersoff file.tersoff]

Output: {"energies": [...], "forces": [[[fx, fy, fz], ...], ...], "energies_per_atom": [[...], ...]}
"""
import argparse
import json

from ase.io import read

from alhpc.ase_calculator import AlHpcCalculator

ap = argparse.ArgumentParser()
ap.add_argument("file")
ap.add_argument("--model")
ap.add_argument("--tersoff")
args = ap.parse_args()
calc = AlHpcCalculator(model=args.model, tersoff=args.tersoff)
out = {"energies": [], "forces": [], "energies_per_atom": []}
for atoms in read(args.file, index=":"):
    atoms.calc = calc
    out["energies"].append(atoms.get_potential_energy())
    out["forces"].append(atoms.get_forces().tolist())
    out["energies_per_atom"].append(atoms.get_potential_energies().tolist())
print(json.dumps(out))
