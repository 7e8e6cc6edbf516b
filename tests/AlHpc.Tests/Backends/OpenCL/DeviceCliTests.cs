using System.Globalization;
using AlHpc.Cli;
using AlHpc.IO;
using AlHpc.OpenCL;
using AlHpc.OpenCL.Native;

namespace AlHpc.Tests.OpenCL;

/// <summary>Device specs, `alhpc devices`, and --device on the computing commands (OpenCL results == CPU results).</summary>
[Collection("console")]
public class DeviceCliTests(OpenClFixture fx) : IClassFixture<OpenClFixture>
{
    [Theory]
    [InlineData("cpu", ComputeBackend.Cpu, null, null, OpenClPrecision.Double)]
    [InlineData("CPU", ComputeBackend.Cpu, null, null, OpenClPrecision.Double)]
    [InlineData("opencl", ComputeBackend.OpenCl, null, null, OpenClPrecision.Double)]
    [InlineData("opencl:1:2", ComputeBackend.OpenCl, 1, 2, OpenClPrecision.Double)]
    [InlineData("opencl:single", ComputeBackend.OpenCl, null, null, OpenClPrecision.Single)]
    [InlineData("opencl:0:0:single", ComputeBackend.OpenCl, 0, 0, OpenClPrecision.Single)]
    public void ParsesDeviceSpecs(string spec, ComputeBackend backend, int? p, int? d, OpenClPrecision precision)
    {
        var c = ComputeDevice.Parse(spec);
        Assert.Equal(new ComputeDevice(backend, p, d, precision), c);
        Assert.Equal(c, ComputeDevice.Parse(c.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("gpu")]
    [InlineData("opencl:1")]
    [InlineData("opencl:a:b")]
    [InlineData("opencl:-1:0")]
    [InlineData("cpu:single")]
    public void RejectsBadSpecs(string spec) => Assert.Throws<FormatException>(() => ComputeDevice.Parse(spec));

    [Fact]
    public void BadDeviceIsAUsageError()
    {
        var dir = TestPaths.NewTempDir();
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["energy", TestPaths.Data("mlbop_lammps.extxyz"), "--device", "gpu", "-o", Path.Combine(dir, "o.xyz")]));
        Assert.False(File.Exists(Path.Combine(dir, "o.xyz")));
    }

    [Fact]
    public void DevicesCommandListsWhatExists()
    {
        var (rc, text, _) = AlHpc.Tests.Cli.CliHarness.Run(["devices"]);
        Assert.Equal(0, rc);
        Assert.Contains("cpu", text);
        var inv = OpenClDevices.Inventory;
        if (inv.IsAvailable)
            foreach (var d in inv.Devices) { Assert.Contains(d.Spec, text); Assert.Contains(d.Name, text); }
        else Assert.Contains("OpenCL: none", text);
    }

    [SkippableFact]
    public void NonexistentOpenClDeviceIsAUsageError()
    {
        fx.RequireOpenCl();
        var dir = TestPaths.NewTempDir();
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["energy", TestPaths.Data("mlbop_lammps.extxyz"), "--device", "opencl:99:0", "-o", Path.Combine(dir, "o.xyz")]));
    }

    [SkippableFact]
    public void EnergyOnOpenClGivesTheCpuResults()
    {
        fx.RequireOpenCl();
        var dir = TestPaths.NewTempDir();
        string input = TestPaths.Data("mlbop_lammps.extxyz"), cpu = Path.Combine(dir, "cpu.xyz"), ocl = Path.Combine(dir, "ocl.xyz");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["energy", input, "--forces", "--device", "cpu", "-o", cpu]));
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["energy", input, "--forces", "--device", "opencl", "-o", ocl]));
        var a = ExtXyz.Read(cpu).ToList();
        var b = ExtXyz.Read(ocl).ToList();
        Assert.Equal(a.Count, b.Count);
        for (int c = 0; c < a.Count; c++)
        {
            Assert.Equal(a[c].Energy!.Value, b[c].Energy!.Value, 1e-10);
            for (int i = 0; i < a[c].Forces!.Length; i++) Assert.Equal(a[c].Forces![i], b[c].Forces![i], 1e-10);
        }
    }

    [SkippableFact]
    public void EvaluateOnOpenClGivesTheCpuMetrics()
    {
        fx.RequireOpenCl();
        var dir = TestPaths.NewTempDir();
        // a slightly different Tersoff (A +1 %) so the metrics are not zero
        var lines = File.ReadAllLines(TestPaths.RepoData("mlbop.tersoff"));
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith('#') || lines[i].Trim().Length == 0) continue;
            var t = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            t[^1] = (double.Parse(t[^1], CultureInfo.InvariantCulture) * 1.01).ToString("R", CultureInfo.InvariantCulture);
            lines[i] = string.Join(' ', t);
        }
        string pot = Path.Combine(dir, "perturbed.tersoff");
        File.WriteAllLines(pot, lines);
        string data = TestPaths.Data("mlbop_lammps.extxyz");
        string outCpu = Path.Combine(dir, "cpu"), outOcl = Path.Combine(dir, "ocl");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["evaluate", "--potential", pot, "--testset", data, "--no-figures", "--device", "cpu", "-o", outCpu]));
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["evaluate", "--potential", pot, "--testset", data, "--no-figures", "--device", "opencl", "-o", outOcl]));
        var a = File.ReadAllLines(Path.Combine(outCpu, "metrics.csv"));
        var b = File.ReadAllLines(Path.Combine(outOcl, "metrics.csv"));
        Assert.Equal(a.Length, b.Length);
        int numbers = 0;
        for (int l = 0; l < a.Length; l++)
        {
            var x = a[l].Split(',');
            var y = b[l].Split(',');
            Assert.Equal(x.Length, y.Length);
            for (int k = 0; k < x.Length; k++)
            {
                if (double.TryParse(x[k], NumberStyles.Float, CultureInfo.InvariantCulture, out double u))
                {
                    double v = double.Parse(y[k], CultureInfo.InvariantCulture);
                    Assert.True(Math.Abs(u - v) <= 1e-8 * Math.Max(1, Math.Abs(u)), $"metrics.csv line {l} field {k}: cpu {u} vs opencl {v}");
                    if (u != 0) numbers++;
                }
                else Assert.Equal(x[k], y[k]);
            }
        }
        Assert.True(numbers > 4, "metrics should hold non-zero errors for a perturbed potential");
    }
}

/// <summary>`alhpc train --device opencl` and `alhpc energy --model --device opencl` reproduce the CPU runs.</summary>
[Collection("console")]
public class DeviceCliTrainTests(OpenClFixture fx) : IClassFixture<OpenClFixture>
{
    [SkippableFact]
    public void TrainAndNnEnergyOnOpenClGiveTheCpuResults()
    {
        fx.RequireOpenCl();
        var dir = TestPaths.NewTempDir();
        string data = TestPaths.Data("mlbop_lammps.extxyz");
        string mCpu = Path.Combine(dir, "cpu.json"), mOcl = Path.Combine(dir, "ocl.json");
        string[] common = ["train", "--data", data, "--epochs", "4", "--batch", "8", "--holdout", "0.2", "--seed", "2"];
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code([.. common, "--device", "cpu", "-o", mCpu]));
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code([.. common, "--device", "opencl", "-o", mOcl]));
        var a = AlHpc.Network.ModelFile.Load(mCpu);
        var b = AlHpc.Network.ModelFile.Load(mOcl);
        Assert.Equal(a.Network.WeightValues.Length, b.Network.WeightValues.Length);
        for (int i = 0; i < a.Network.WeightValues.Length; i++)
            Assert.Equal(a.Network.WeightValues[i], b.Network.WeightValues[i], 1e-7 * Math.Max(1, Math.Abs(a.Network.WeightValues[i])));
        Assert.Equal(a.EnergyShift, b.EnergyShift, 1e-9);

        string eCpu = Path.Combine(dir, "e-cpu.xyz"), eOcl = Path.Combine(dir, "e-ocl.xyz");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["energy", data, "--model", mCpu, "--forces", "--device", "cpu", "-o", eCpu]));
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["energy", data, "--model", mCpu, "--forces", "--device", "opencl", "-o", eOcl]));
        var x = ExtXyz.Read(eCpu).ToList();
        var y = ExtXyz.Read(eOcl).ToList();
        for (int c = 0; c < x.Count; c++)
        {
            Assert.Equal(x[c].Energy!.Value, y[c].Energy!.Value, 1e-10);
            for (int i = 0; i < x[c].Forces!.Length; i++) Assert.Equal(x[c].Forces![i], y[c].Forces![i], 1e-10);
        }
    }
}
