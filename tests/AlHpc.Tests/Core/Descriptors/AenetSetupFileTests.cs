using AlHpc.Descriptors;
using AlHpc.IO;
using Xunit;

namespace AlHpc.Tests.Descriptors;

public class AenetSetupFileTests
{
    [Fact]
    public void RoundTripsDefaultSetupExactly()
    {
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "O.stp");
        AenetSetupFile.Write(path, DefaultSetups.Water26);
        var back = AenetSetupFile.Read(path);
        Assert.True(back.SameFunctionsAs(DefaultSetups.Water26));
        Assert.Equal(DefaultSetups.Water26.Description, back.Description);
    }

    [Fact]
    public void ReadsAenetStyleFile()
    {
        string[] lines =
        [
            "DESCR", "  Structural fingerprint setup for O", "  (test)", "END DESCR", "",
            "ATOM O", "", "ENV  1", "O", "", "RMIN 0.75d0", "",
            "SYMMFUNC type=Behler2011", "3",
            "G=2 type2=O   eta=1.25d1  Rs=2.7000  Rc=3.5000   ! comment",
            "g=5 TYPE2=O type3=O eta=0.0987 lambda=-1.0 zeta=4.0 Rc=3.5",
            "G=5 type2=O type3=O eta=0.308 lambda=1 zeta=1 Rc=3.0",
        ];
        var s = AenetSetupFile.Parse(lines, "x.stp");
        Assert.Equal(3, s.Count);
        Assert.Equal(SymmetryFunction.G2(12.5, 2.7, 3.5), s.Functions[0]);
        Assert.Equal(SymmetryFunction.G5(0.0987, -1, 4, 3.5), s.Functions[1]);
        Assert.Equal(SymmetryFunction.G5(0.308, 1, 1, 3.0), s.Functions[2]);
        Assert.Equal(3.5, s.Cutoff);
    }

    [Theory]
    [InlineData("G=4 type2=O type3=O eta=0.1 lambda=1 zeta=1 Rc=3.5", 4, "G=4")]
    [InlineData("G=2 type2=O eta=abc Rs=0 Rc=3.5", 4, "eta")]
    [InlineData("G=2 type2=H eta=1 Rs=0 Rc=3.5", 4, "one element")]
    [InlineData("G=5 type2=O type3=O eta=0.1 lambda=0.5 zeta=1 Rc=3.5", 4, "lambda")]
    [InlineData("G=2 type2=O eta=1 Rc=3.5", 4, "Rs")]
    public void BadLinesNameFileAndLine(string bad, int line, string what)
    {
        string[] lines = ["ATOM O", "SYMMFUNC type=Behler2011", "1", bad];
        var e = Assert.Throws<InputFormatException>(() => AenetSetupFile.Parse(lines, "bad.stp"));
        Assert.Equal("bad.stp", e.File);
        Assert.Equal(line, e.Line);
        Assert.Contains(what, e.Problem);
    }

    [Fact]
    public void CountMismatchIsAnError()
    {
        string[] lines = ["ATOM O", "SYMMFUNC type=Behler2011", "2", "G=2 type2=O eta=1 Rs=0 Rc=3.5"];
        var e = Assert.Throws<InputFormatException>(() => AenetSetupFile.Parse(lines, "c.stp"));
        Assert.Equal(3, e.Line);
        string[] cheb = ["ATOM O", "BASIS type=Chebyshev", "radial_Rc = 4.0"];
        Assert.Throws<InputFormatException>(() => AenetSetupFile.Parse(cheb, "c.stp"));
    }
}
