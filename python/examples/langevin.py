"""Langevin dynamics of a cluster with an AlHpc potential (ASE), printing one JSON line per 10 steps.

    python3 langevin.py cluster.xsf [--model model.json] [--steps 500] [--temperature 250] [--dt 2]

Masses: every bead gets the water molecule's mass (18.015 u). Time step in fs.
"""
import argparse
import json

import numpy as np
from ase import units
from ase.io import read
from ase.md.langevin import Langevin
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary, ZeroRotation

from alhpc.ase_calculator import AlHpcCalculator

ap = argparse.ArgumentParser()
ap.add_argument("file")
ap.add_argument("--model")
ap.add_argument("--steps", type=int, default=500)
ap.add_argument("--temperature", type=float, default=250.0)
ap.add_argument("--dt", type=float, default=2.0)
ap.add_argument("--seed", type=int, default=1)
args = ap.parse_args()
atoms = read(args.file)
atoms.pbc = False
atoms.set_masses([18.015] * len(atoms))
atoms.calc = AlHpcCalculator(model=args.model)
rng = np.random.RandomState(args.seed)
MaxwellBoltzmannDistribution(atoms, temperature_K=args.temperature, rng=rng)
Stationary(atoms)
ZeroRotation(atoms)
dyn = Langevin(atoms, args.dt * units.fs, temperature_K=args.temperature, friction=0.02, rng=rng)


def report():
    r = atoms.get_positions() - atoms.get_center_of_mass()
    print(json.dumps({"step": dyn.get_number_of_steps(), "epot": atoms.get_potential_energy(),
                      "temperature": atoms.get_temperature(), "max_radius": float(np.sqrt((r ** 2).sum(1)).max())}),
          flush=True)


dyn.attach(report, interval=10)
dyn.run(args.steps)
