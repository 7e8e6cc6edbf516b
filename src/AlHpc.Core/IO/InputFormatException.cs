namespace AlHpc.IO;

/// <summary>
/// Bad input: carries the file, the 1-based line (0 when not line-bound) and what was wrong.
/// The CLI maps it to exit code 2. Message format: "FILE:LINE: what was wrong".
/// </summary>
public sealed class InputFormatException : Exception
{
    public InputFormatException(string file, int line, string problem, Exception? inner = null)
        : base(line > 0 ? $"{file}:{line}: {problem}" : $"{file}: {problem}", inner)
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    public string File { get; }
    public int Line { get; }
    public string Problem { get; }
}
