using System.Globalization;
using AlHpc.IO;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Tests.Network;

namespace AlHpc.Tests.Native;

/// <summary>The C example and the Fortran module + Metropolis example, compiled with gcc/gfortran and run for real.</summary>
public class CFortranTests
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static string Example(params string[] parts) => Path.Combine([TestPaths.RepoRoot, "examples", .. parts]);

    /// <summary>Parses the C example's output: per structure the energy and the forces.</summary>
    private static List<(double E, double[] F)> ParseC(string stdout)
    {
        var result = new List<(double, double[])>();
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < lines.Length;)
        {
            var h = lines[i++].Split(' ');
            Assert.Equal("structure", h[0]);
            int n = int.Parse(h[2], Inv);
            double e = double.Parse(h[3], Inv);
            var f = new double[3 * n];
            for (int a = 0; a < n; a++)
            {
                var w = lines[i++].Split(' ');
                for (int d = 0; d < 3; d++) f[3 * a + d] = double.Parse(w[d], Inv);
            }
            result.Add((e, f));
        }
        return result;
    }

    private static void AssertMatches(IPotential potential, List<AlHpc.Structures.Cluster> clusters, List<(double E, double[] F)> got)
    {
        Assert.Equal(clusters.Count, got.Count);
        var ev = potential.CreateEvaluator();
        for (int c = 0; c < clusters.Count; c++)
        {
            var f = new double[clusters[c].Positions.Length];
            double e = ev.Compute(clusters[c].Positions, f, default);
            Assert.Equal(e, got[c].E, 1e-10);
            for (int i = 0; i < f.Length; i++) Assert.Equal(f[i], got[c].F[i], 1e-10);
        }
    }

    [Fact]
    public void C_example_energies_and_forces_match_dotnet_for_mlbop_and_a_model_file()
    {
        string dir = TestPaths.NewTempDir();
        _ = NativeBuild.OutDir;
        var exe = NativeBuild.CompileC(Example("c", "energy_forces.c"), dir, "energy_forces");
        var input = TestPaths.Data("mlbop_lammps.extxyz");
        var clusters = ExtXyz.Read(input).ToList();

        var got = ParseC(NativeBuild.RunOk(exe, [input]));
        AssertMatches(TersoffPotential.MlBop, clusters, got);
        Assert.Contains(got, g => g.E < -1); // not all trivially zero

        var modelPath = Path.Combine(dir, "model.json");
        ModelFile.Save(modelPath, TestModels.Random(3));
        var gotNn = ParseC(NativeBuild.RunOk(exe, ["--model", modelPath, input]));
        AssertMatches(new NnPotential(ModelFile.Load(modelPath)), clusters, gotNn);

        // bad input: exit 2, message names the file and line
        var bad = Path.Combine(dir, "bad.extxyz");
        File.WriteAllText(bad, "2\ncomment\nO 0 0 0\nO 1.0 x 0\n");
        var r = NativeBuild.Run(exe, [bad]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("bad.extxyz:4:", r.StdErr);
        var r2 = NativeBuild.Run(exe, ["--model", Path.Combine(dir, "missing.json"), input]);
        Assert.Equal(2, r2.ExitCode);
        Assert.Contains("missing.json", r2.StdErr);
    }

    [Fact]
    public void Fortran_metropolis_trajectory_energies_equal_a_full_recompute()
    {
        string dir = TestPaths.NewTempDir();
        _ = NativeBuild.OutDir;
        var exe = NativeBuild.CompileFortran(dir, "metropolis", Example("fortran", "metropolis.f90"));
        var seed = Xsf.Read(TestPaths.RepoData("struct_min_25.xsf"));
        var xyz = Path.Combine(dir, "seed.xyz");
        using (var w = new StreamWriter(xyz))
        {
            w.WriteLine(seed.Count);
            w.WriteLine("seed");
            for (int i = 0; i < seed.Count; i++)
                w.WriteLine(FormattableString.Invariant($"O {seed.Positions[3 * i]:R} {seed.Positions[3 * i + 1]:R} {seed.Positions[3 * i + 2]:R}"));
        }
        var traj = Path.Combine(dir, "traj.xyz");
        var stdout = NativeBuild.RunOk(exe, [xyz, "3000", "300", "7", traj]);
        Assert.Contains("final n=", stdout);

        var ev = TersoffPotential.MlBop.CreateEvaluator();
        var lines = File.ReadAllLines(traj);
        int frames = 0, i0 = 0;
        var sizes = new HashSet<int>();
        var energies = new List<double>();
        while (i0 < lines.Length)
        {
            int n = int.Parse(lines[i0].Trim(), Inv);
            var comment = lines[i0 + 1];
            double eMc = double.Parse(comment.Split(' ').First(s => s.StartsWith("energy=")).Substring(7), Inv);
            var pos = new double[3 * n];
            for (int a = 0; a < n; a++)
            {
                var w = lines[i0 + 2 + a].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                for (int d = 0; d < 3; d++) pos[3 * a + d] = double.Parse(w[1 + d], Inv);
            }
            // positions are printed with 17 significant digits, so the recompute sees the same configuration
            Assert.Equal(ev.Compute(pos, default, default), eMc, 1e-9);
            sizes.Add(n);
            energies.Add(eMc);
            frames++;
            i0 += n + 2;
        }
        Assert.Equal(31, frames);
        Assert.True(sizes.Count > 1, "insertions/removals were accepted (the cluster size changed)");
        Assert.True(energies.Distinct().Count() > 20, "the energy changed along the run");
    }
    /// <summary>
    /// Hosts unload libraries (the KIM API dlcloses the model driver, and so libalhpc.so, on every LAMMPS `clear`);
    /// a NativeAOT runtime cannot be unloaded, so the library is linked -z nodelete. A C host loads, computes and
    /// unloads 25 times: the library must stay mapped after each dlclose and give the same energy each time.
    /// </summary>
    [Fact]
    public void Library_survives_repeated_dlopen_and_dlclose()
    {
        string dir = TestPaths.NewTempDir();
        _ = NativeBuild.OutDir;
        var exe = Path.Combine(dir, "reload");
        NativeBuild.RunOk("gcc", ["-O2", "-Wall", "-Werror", Path.Combine(TestPaths.RepoRoot, "tests", "AlHpc.Tests", "Native", "c", "reload.c"), "-ldl", "-o", exe]);
        var w = NativeBuild.RunOk(exe, [NativeBuild.Library]).Trim().Split(' ');
        Assert.Equal(["reload", "ok", "25"], w[..3]);
        var expected = TersoffPotential.MlBop.CreateEvaluator().Compute([0, 0, 0, 2.8, 0, 0, 0, 2.9, 0.3], new double[9], default);
        Assert.Equal(expected, double.Parse(w[3], Inv), 1e-12);
    }
}
