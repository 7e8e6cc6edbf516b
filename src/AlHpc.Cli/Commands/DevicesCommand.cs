using System.CommandLine;
using System.Globalization;
using AlHpc.OpenCL.Native;

namespace AlHpc.Cli.Commands;

/// <summary>`alhpc devices`: the OpenCL platforms and devices with their traits, and how to select one.</summary>
public static class DevicesCommand
{
    public static Command Create()
    {
        var cmd = new Command("devices", "List OpenCL platforms and devices (fp64, memory, compute units) usable with --device.");
        cmd.SetAction(_ => ExitCodes.Guard(() =>
        {
            Console.WriteLine("cpu            C# SIMD path (default)");
            var inv = OpenClDevices.Inventory;
            if (!inv.IsAvailable)
            {
                Console.WriteLine($"OpenCL: none ({inv.UnavailableReason}). --device opencl falls back to the CPU.");
                return ExitCodes.Success;
            }
            for (int p = 0; p < inv.PlatformNames.Count; p++)
            {
                Console.WriteLine($"platform {p}: {inv.PlatformNames[p]}");
                foreach (var d in inv.Devices.Where(d => d.PlatformIndex == p))
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {d.Spec,-12} {d.Name} [{d.Type}] {d.Vendor}; {d.Version}; {d.OpenClCVersion}"));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"               fp64 {(d.SupportsFp64 ? "yes" : "no")}, {d.ComputeUnits} compute units @ {d.ClockMHz} MHz, global memory {d.GlobalMemoryBytes / 1048576.0:F0} MiB (max buffer {d.MaxAllocationBytes / 1048576.0:F0} MiB), local memory {d.LocalMemoryBytes / 1024.0:F0} KiB, max work-group {d.MaxWorkGroupSize}"));
                }
            }
            return ExitCodes.Success;
        }));
        return cmd;
    }
}
