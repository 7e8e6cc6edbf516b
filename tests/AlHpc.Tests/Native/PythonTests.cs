using System.Globalization;
using System.Text.Json;
using AlHpc.Cli;
using AlHpc.Descriptors;
using AlHpc.IO;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Structures;
using AlHpc.Training;

namespace AlHpc.Tests.Native;

/// <summary>
/// The Python package (python/alhpc: ctypes + numpy) and its ASE calculator, run with Debian's python3
/// (python3-ase, python3-numpy) for real.
/// </summary>
public class PythonTests
{
    /// <summary>Debian's interpreter (has python3-ase); ALHPC_PYTHON overrides.</summary>
    public static string Python => Environment.GetEnvironmentVariable("ALHPC_PYTHON") ?? "/usr/bin/python3";

    private static string Example(string name) => Path.Combine(TestPaths.RepoRoot, "python", "examples", name);

    private static Dictionary<string, string> Env() => new()
    {
        ["PYTHONPATH"] = Path.Combine(TestPaths.RepoRoot, "python"),
        ["ALHPC_LIBRARY"] = NativeBuild.Library,
        ["PYTHONDONTWRITEBYTECODE"] = "1",
    };

    [Fact]
    public void Ase_calculator_reproduces_the_reference_energies_and_forces()
    {
        var input = TestPaths.Data("mlbop_lammps.extxyz");
        var json = NativeBuild.RunOk(Python, [Example("energies_forces.py"), input], env: Env());
        using var doc = JsonDocument.Parse(json);
        var energies = doc.RootElement.GetProperty("energies").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var forces = doc.RootElement.GetProperty("forces").EnumerateArray().ToArray();
        var perAtom = doc.RootElement.GetProperty("energies_per_atom").EnumerateArray().ToArray();
        var clusters = ExtXyz.Read(input).ToList();
        Assert.Equal(clusters.Count, energies.Length);
        var ev = TersoffPotential.MlBop.CreateEvaluator();
        for (int c = 0; c < clusters.Count; c++)
        {
            var f = new double[clusters[c].Positions.Length];
            var ea = new double[clusters[c].Count];
            double e = ev.Compute(clusters[c].Positions, f, ea);
            Assert.Equal(e, energies[c], 1e-9);
            Assert.Equal(clusters[c].Energy!.Value, energies[c], 1e-8); // LAMMPS' value, printed to 1e-12
            var fc = forces[c].EnumerateArray().SelectMany(a => a.EnumerateArray().Select(x => x.GetDouble())).ToArray();
            for (int i = 0; i < f.Length; i++) Assert.Equal(f[i], fc[i], 1e-9);
            var eac = perAtom[c].EnumerateArray().Select(x => x.GetDouble()).ToArray();
            for (int i = 0; i < ea.Length; i++) Assert.Equal(ea[i], eac[i], 1e-9);
        }
    }

    [Fact]
    public void Ase_bfgs_relaxes_a_perturbed_seed_to_the_energy_alhpc_minimize_finds()
    {
        var dir = TestPaths.NewTempDir();
        var seed = Xsf.Read(TestPaths.RepoData("struct_min_25.xsf"));
        var rng = new Random(3);
        for (int i = 0; i < seed.Positions.Length; i++) seed.Positions[i] += 0.15 * (rng.NextDouble() - 0.5);
        var start = Path.Combine(dir, "start.xsf");
        Xsf.Write(start, seed);
        var minimized = Path.Combine(dir, "min.extxyz");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["minimize", start, "--fmax", "1e-6", "-o", minimized]));
        double eAlhpc = ExtXyz.Read(minimized).Single().Energy!.Value;
        double eStart = TersoffPotential.MlBop.CreateEvaluator().Compute(seed.Positions, default, default);

        var stdout = NativeBuild.RunOk(Python, [Example("relax_bfgs.py"), start, "--fmax", "1e-5"], env: Env());
        var fields = stdout.Trim().Split(' ').Select(s => s.Split('=')).ToDictionary(a => a[0], a => a[1]);
        Assert.Equal("True", fields["converged"]);
        double eAse = double.Parse(fields["energy"], CultureInfo.InvariantCulture);
        Assert.True(eStart > eAlhpc + 0.05, $"the perturbation raised the energy ({eStart} vs {eAlhpc})");
        Assert.Equal(eAlhpc, eAse, 1e-6);
    }

    [Fact]
    public void Ase_langevin_of_25_molecules_runs_with_a_trained_network_model()
    {
        var dir = TestPaths.NewTempDir();
        var model = Path.Combine(dir, "model.json");
        ModelFile.Save(model, SmallTrainedModel());
        var seed = TestPaths.RepoData("struct_min_25.xsf");
        var stdout = NativeBuild.RunOk(Python, [Example("langevin.py"), seed, "--model", model, "--steps", "300", "--temperature", "200"], env: Env());
        var records = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(31, records.Count); // step 0 and every 10th step
        Assert.Equal(300, records[^1].GetProperty("step").GetInt32());
        var epot = records.Select(r => r.GetProperty("epot").GetDouble()).ToArray();
        var temps = records.Select(r => r.GetProperty("temperature").GetDouble()).ToArray();
        Assert.All(epot, e => Assert.True(double.IsFinite(e) && e < 0, $"potential energy {e}"));
        Assert.True(epot.Distinct().Count() == epot.Length, "the network energy changes along the trajectory");
        // thermostatted at 200 K: the kinetic temperature of the last third stays in a physical range and the cluster holds together
        double tMean = temps.Skip(20).Average();
        Assert.InRange(tMean, 60, 450);
        Assert.All(records, r => Assert.True(r.GetProperty("max_radius").GetDouble() < 12, "an atom left the cluster"));
    }

    /// <summary>
    /// A small network (Water26 descriptors, 8-8 hidden) trained in seconds on ML-BOP energies of perturbed
    /// 25-molecule clusters: enough for stable dynamics near the seed.
    /// </summary>
    internal static NnModel SmallTrainedModel()
    {
        var seed = Xsf.Read(TestPaths.RepoData("struct_min_25.xsf")).Positions;
        var rng = new Random(17);
        var clusters = new List<Cluster>();
        var ev = TersoffPotential.MlBop.CreateEvaluator();
        for (int s = 0; s < 120; s++)
        {
            double amp = 0.05 + 0.35 * rng.NextDouble();
            var p = seed.Select(x => x + amp * (rng.NextDouble() - 0.5)).ToArray();
            clusters.Add(new Cluster(p) { Energy = ev.Compute(p, default, default) });
        }
        var batch = ClusterBatch.FromClusters(clusters);
        var set = TrainingSet.FromClusters(batch, DefaultSetups.Water26);
        var result = LmTrainer.Train(set, TrainingSettings.Aenet with { Epochs = 40, HiddenLayers = [8, 8], Seed = 2, BatchSize = 32 });
        return result.Model;
    }

    [Fact]
    public void Install_script_installs_an_importable_package_with_its_library()
    {
        var userBase = TestPaths.NewTempDir();
        _ = NativeBuild.OutDir;
        var env = new Dictionary<string, string> { ["PYTHONUSERBASE"] = userBase, ["PYTHON"] = Python, ["PYTHONDONTWRITEBYTECODE"] = "1" };
        NativeBuild.RunOk("bash", [Path.Combine(TestPaths.RepoRoot, "scripts", "install-python.sh")], env: env);
        // run from a folder outside the repository, without PYTHONPATH or ALHPC_LIBRARY
        var code = "import alhpc, numpy as np; p = alhpc.Potential.mlbop(); e = p.evaluator(); " +
                   "print(alhpc.library_path()); print(repr(e.compute(np.array([[0.0, 0, 0], [2.9, 0, 0]]), forces=False)))";
        var outp = NativeBuild.RunOk(Python, ["-c", code], workDir: userBase, env: env).Split('\n');
        Assert.StartsWith(userBase, outp[0]);
        double e2 = double.Parse(outp[1], CultureInfo.InvariantCulture);
        Assert.Equal(TersoffPotential.MlBop.CreateEvaluator().Compute([0, 0, 0, 2.9, 0, 0], default, default), e2, 1e-12);
        // errors surface as AlHpcError with the library's message
        var bad = NativeBuild.Run(Python, ["-c", "import alhpc, numpy as np; alhpc.Potential.mlbop().evaluator().compute(np.array([[0.0, 0, 0], [np.inf, 0, 0]]))"], workDir: userBase, env: env);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("AlHpcError: positions: coordinate x of atom 1 is", bad.StdErr);
    }
}
