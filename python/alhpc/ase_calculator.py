"""ASE calculator over libalhpc.so: energy (eV), forces (eV/A) and per-atom energies of a cluster.

    from alhpc.ase_calculator import AlHpcCalculator
    atoms.calc = AlHpcCalculator()                     # built-in ML-BOP
    atoms.calc = AlHpcCalculator(model="model.json")   # an AlHpc network model
    atoms.calc = AlHpcCalculator(tersoff="x.tersoff")  # a LAMMPS tersoff file

Clusters only: periodic cells are refused (AlHpc's potentials are evaluated without images).
Every atom's symbol must be one of the potential's species.
"""
import numpy as np
from ase.calculators.calculator import Calculator, all_changes

from . import Potential


class AlHpcCalculator(Calculator):
    implemented_properties = ["energy", "free_energy", "forces", "energies"]

    def __init__(self, model=None, tersoff=None, potential=None, **kwargs):
        super().__init__(**kwargs)
        if sum(x is not None for x in (model, tersoff, potential)) > 1:
            raise ValueError("give at most one of model=, tersoff=, potential=")
        if potential is None:
            potential = Potential.model(model) if model else Potential.tersoff(tersoff) if tersoff else Potential.mlbop()
        self.potential = potential
        self._species = {s: i for i, s in enumerate(potential.species)}
        self._evaluator = potential.evaluator()

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        if any(self.atoms.pbc):
            raise ValueError("AlHpcCalculator evaluates clusters: set atoms.pbc = False")
        symbols = self.atoms.get_chemical_symbols()
        try:
            types = np.array([self._species[s] for s in symbols], dtype=np.intc)
        except KeyError as e:
            raise ValueError(f"species {e.args[0]} is not one of the potential's {list(self._species)}") from None
        e, f, ea = self._evaluator.compute(self.atoms.get_positions(), types, forces=True, energies=True)
        self.results = {"energy": e, "free_energy": e, "forces": f, "energies": ea}
