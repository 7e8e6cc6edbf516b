using AlHpc.IO;

namespace AlHpc.Cli;

public static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int BadInput = 2;

    /// <summary>
    /// Runs a command body and maps failures to exit codes: bad input (file/line/cause, missing file,
    /// bad argument, a species the potential does not accept) prints "alhpc: ..." and gives 2; anything else prints the error and gives 1.
    /// </summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (InputFormatException e) { Console.Error.WriteLine($"alhpc: {OptionNames.Clean(e.Message)}"); return BadInput; }
        catch (UsageException e) { Console.Error.WriteLine($"alhpc: {e.Message}"); return BadInput; }
        catch (AlHpc.Structures.SpeciesException e) { Console.Error.WriteLine($"alhpc: {e.Message}"); return BadInput; } // an element the model or format does not take
        catch (FileNotFoundException e) { Console.Error.WriteLine($"alhpc: file not found: {e.FileName ?? e.Message}"); return BadInput; }
        catch (DirectoryNotFoundException e) { Console.Error.WriteLine($"alhpc: {e.Message}"); return BadInput; }
        catch (OperationCanceledException) { Console.Error.WriteLine("alhpc: cancelled"); return Failure; }
        catch (Exception e) { Console.Error.WriteLine($"alhpc: error: {OptionNames.Clean(e.Message)}"); if (Environment.GetEnvironmentVariable("ALHPC_DEBUG") == "1") Console.Error.WriteLine(e); return Failure; }
    }
}

/// <summary>A bad combination of options or a bad option value found after parsing: exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
