using System.CommandLine;

namespace AlHpc.Cli;

/// <summary>
/// The shared --threads option: 0 or absent = all cores, N &gt; 0 = at most N worker threads, the same in
/// every command. <c>var threads = ThreadsOption.Add(cmd);</c>, then <c>ThreadsOption.Resolve(pr, threads)</c>
/// gives the .NET MaxDegreeOfParallelism (-1: all cores).
/// </summary>
public static class ThreadsOption
{
    public static Option<int> Add(Command cmd, string? note = null)
    {
        var o = new Option<int>("--threads")
        {
            Description = "Worker threads; 0 (default) = all cores; more than the cores are capped at the cores." + (note is null ? "" : " " + note),
            DefaultValueFactory = _ => 0,
        };
        cmd.Options.Add(o);
        return o;
    }

    /// <summary>
    /// The requested count: 0 = all cores, else N, capped at the machine's cores (more threads than cores buy no
    /// speed, and each worker holds its own buffers: `train --threads 100000` once exhausted the memory);
    /// a negative value is a usage error (exit 2).
    /// </summary>
    public static int Count(ParseResult pr, Option<int> option)
    {
        int n = pr.GetValue(option);
        if (n < 0) throw new UsageException($"--threads {n}: give 0 (or leave it out) for all cores, or a positive number of threads");
        return Math.Min(n, Environment.ProcessorCount);
    }

    /// <summary>As MaxDegreeOfParallelism: -1 (all cores) for 0, else N.</summary>
    public static int MaxDegreeOfParallelism(ParseResult pr, Option<int> option)
    {
        int n = Count(pr, option);
        return n == 0 ? -1 : n;
    }
}
