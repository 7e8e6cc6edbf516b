using System.Globalization;
using System.Text;
using AlHpc.IO;
using AlHpc.Potentials;

namespace AlHpc.Tests.Native;

/// <summary>
/// LAMMPS (Debian's lmp, KIM package) running AlHpc through the KIM-API model driver: scripts/kim-install.sh
/// installs the driver and a portable model into a temporary KIM user collection, then `kim init` /
/// `kim interactions` evaluate it.
/// </summary>
public class LammpsKimTests
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly Lazy<Dictionary<string, string>> Collection = new(InstallMlBop, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A KIM collection in a temporary folder with the ML-BOP portable model (AlHpc_MLBOP).</summary>
    private static Dictionary<string, string> InstallMlBop()
    {
        var dir = TestPaths.NewTempDir();
        foreach (var d in new[] { "md", "pm", "sm" }) Directory.CreateDirectory(Path.Combine(dir, d));
        var config = Path.Combine(dir, "config");
        File.WriteAllText(config, $"model-drivers-dir = {dir}/md\nportable-models-dir = {dir}/pm\nsimulator-models-dir = {dir}/sm\n");
        var env = new Dictionary<string, string> { ["KIM_API_CONFIGURATION_FILE"] = config, ["OMP_NUM_THREADS"] = "1" };
        _ = NativeBuild.OutDir;
        NativeBuild.RunOk("bash", [Path.Combine(TestPaths.RepoRoot, "scripts", "kim-install.sh"), "AlHpc_MLBOP"], env: env, timeoutSeconds: 600);
        return env;
    }

    private static void WriteData(string path, double[] pos)
    {
        var sb = new StringBuilder();
        int n = pos.Length / 3;
        sb.Append($"cluster\n\n{n} atoms\n1 atom types\n\n-40 40 xlo xhi\n-40 40 ylo yhi\n-40 40 zlo zhi\n\nAtoms # atomic\n\n");
        for (int i = 0; i < n; i++)
            sb.Append(FormattableString.Invariant($"{i + 1} 1 {pos[3 * i]:R} {pos[3 * i + 1]:R} {pos[3 * i + 2]:R}\n"));
        File.WriteAllText(path, sb.ToString());
    }

    [Fact]
    public void Run0_energies_and_forces_equal_alhpc_on_the_reference_clusters()
    {
        var env = Collection.Value;
        var dir = TestPaths.NewTempDir();
        var clusters = ExtXyz.Read(TestPaths.Data("mlbop_lammps.extxyz")).ToList();
        for (int c = 0; c < clusters.Count; c++) WriteData(Path.Combine(dir, $"c{c + 1}.data"), clusters[c].Positions);
        File.WriteAllText(Path.Combine(dir, "in.run0"), """
            variable i loop NCLUSTERS
            label next
            clear
            kim init AlHpc_MLBOP metal
            boundary f f f
            read_data c${i}.data
            kim interactions O
            mass 1 18.015
            thermo_style custom step pe
            run 0
            print "ENERGY ${i} $(pe:%.17g)"
            write_dump all custom f${i}.dump id fx fy fz modify sort id format float %.17g
            next i
            jump SELF next
            """.Replace("NCLUSTERS", clusters.Count.ToString(Inv)));
        var stdout = NativeBuild.RunOk("lmp", ["-in", "in.run0", "-log", "none"], workDir: dir, env: env);
        var ev = TersoffPotential.MlBop.CreateEvaluator();
        int checkedClusters = 0;
        foreach (var line in stdout.Split('\n').Where(l => l.StartsWith("ENERGY ")))
        {
            var w = line.Split(' ');
            int c = int.Parse(w[1], Inv) - 1;
            double eLmp = double.Parse(w[2], Inv);
            var f = new double[clusters[c].Positions.Length];
            double e = ev.Compute(clusters[c].Positions, f, default);
            Assert.Equal(e, eLmp, 1e-9);
            var dump = File.ReadAllLines(Path.Combine(dir, $"f{c + 1}.dump")).SkipWhile(l => !l.StartsWith("ITEM: ATOMS")).Skip(1).ToArray();
            Assert.Equal(clusters[c].Count, dump.Length);
            foreach (var row in dump)
            {
                var v = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                int id = int.Parse(v[0], Inv) - 1;
                for (int d = 0; d < 3; d++) Assert.Equal(f[3 * id + d], double.Parse(v[1 + d], Inv), 1e-9);
            }
            checkedClusters++;
        }
        Assert.Equal(clusters.Count, checkedClusters);
    }

    [Fact]
    public void Nve_of_50_molecules_conserves_energy()
    {
        var env = Collection.Value;
        var dir = TestPaths.NewTempDir();
        // two copies of the 25-molecule seed shifted 12 A along x (closest pair 3.17 A): one 50-molecule cluster
        var seed = Xsf.Read(TestPaths.RepoData("struct_min_25.xsf")).Positions;
        var pos = seed.Concat(seed.Select((x, i) => i % 3 == 0 ? x + 12.0 : x)).ToArray();
        WriteData(Path.Combine(dir, "c50.data"), pos);
        File.WriteAllText(Path.Combine(dir, "in.nve"), """
            kim init AlHpc_MLBOP metal
            boundary f f f
            read_data c50.data
            kim interactions O
            mass 1 18.015
            minimize 1e-10 1e-6 200 2000
            reset_timestep 0
            velocity all create 150 4928459 mom yes rot yes dist gaussian
            fix 1 all nve
            timestep 0.002
            thermo_style custom step time pe ke etotal
            thermo_modify format float %.15g
            thermo 50
            run 5000
            """);
        var stdout = NativeBuild.RunOk("lmp", ["-in", "in.nve", "-log", "none"], workDir: dir, env: env, timeoutSeconds: 600);
        // thermo rows of the MD run (after the minimisation's rows: the block whose header has "Time")
        var lines = stdout.Split('\n');
        int h = Array.FindLastIndex(lines, l => l.TrimStart().StartsWith("Step") && l.Contains("Time"));
        var rows = lines.Skip(h + 1).TakeWhile(l => l.Trim().Length > 0 && char.IsDigit(l.Trim()[0]))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => double.Parse(s, Inv)).ToArray()).ToArray();
        Assert.Equal(101, rows.Length);
        var t = rows.Select(r => r[1]).ToArray();         // ps
        var etot = rows.Select(r => r[4]).ToArray();      // eV
        var ke = rows.Select(r => r[3]).ToArray();
        Assert.True(ke.Skip(10).Average() > 0.3, "the cluster is moving (kinetic energy of ~150 K / 2 after equipartition)");
        double tm = t.Average(), em = etot.Average();
        double slope = t.Zip(etot).Sum(p => (p.First - tm) * (p.Second - em)) / t.Sum(x => (x - tm) * (x - tm)); // eV/ps
        double driftPerNsPerMolecule = slope * 1000 / 50;
        double fluctuation = etot.Max() - etot.Min();
        // measured: see docs/embedding.md (2 fs step, 20 ps)
        Assert.True(Math.Abs(driftPerNsPerMolecule) < 2e-3, $"energy drift {driftPerNsPerMolecule:G3} eV/ns/molecule");
        Assert.True(fluctuation < 0.005, $"total energy fluctuation {fluctuation:G3} eV");
        Console.WriteLine($"NVE 50 molecules, 2 fs, 20 ps: drift {driftPerNsPerMolecule:G3} eV/ns/molecule, max-min Etot {fluctuation:G3} eV");
    }
}
