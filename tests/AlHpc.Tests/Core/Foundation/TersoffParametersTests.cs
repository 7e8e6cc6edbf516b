using AlHpc.IO;
using AlHpc.Potentials;

namespace AlHpc.Tests.Foundation;

public class TersoffParametersTests
{
    private const string Values = "1.0 1.0 0.0 77638.534354 16.148387 -0.471029 0.770018 1.0e-6 2.199640 473.621419 3.282761 0.270511 2.750522 1684.301476";

    [Fact]
    public void EmbeddedMlBopHasTheFileValues()
    {
        var p = TersoffParameters.MlBop;
        Assert.Equal("O", p.Element);
        Assert.Equal(77638.534354, p.C);
        Assert.Equal(16.148387, p.D);
        Assert.Equal(-0.471029, p.CosTheta0);
        Assert.Equal(1684.301476, p.A);
        Assert.Equal(3.553272, p.Cutoff, 12);
        Assert.Equal(p with { Source = "" }, TersoffParameters.Load(TestPaths.RepoData("mlbop.tersoff")) with { Source = "" });
    }

    [Fact]
    public void CommentsAndContinuationLines()
    {
        var v = Values.Split(' ');
        string text = "# header\n\nO O   # names\n O " + string.Join(" ", v[..5]) + "\n" + string.Join("\n", v[5..]) + " # tail\n";
        var p = TersoffParameters.Parse(text, "t.tersoff");
        Assert.Equal(TersoffParameters.MlBop with { Source = "" }, p with { Source = "" });
    }

    [Theory]
    [InlineData("O O Si " + Values, 1, "multi-element")]
    [InlineData("O O O " + Values + "\nO O O " + Values, 2, "more than one")]
    [InlineData("O O O 1.0 1.0 0.0\n77638.5", 2, "incomplete")]
    [InlineData("O O O 2.0 1.0 0.0 77638.534354 16.148387 -0.471029 0.770018 1.0e-6 2.199640 473.621419 3.282761 0.270511 2.750522 1684.301476", 1, "m must be 1 or 3")]
    [InlineData("O O O 1.0 1.0 0.0 77638.534354 16.148387 -0.471029 0.770018 1.0e-6 2.199640 473.621419\n3.282761 5.0 2.750522 1684.301476", 2, "0 < D <= R")]
    [InlineData("O O O 1.0 1.0 x 77638.534354 16.148387 -0.471029 0.770018 1.0e-6 2.199640 473.621419 3.282761 0.270511 2.750522 1684.301476", 1, "non-numeric value 'x' for lambda3")]
    [InlineData("Qq Qq Qq " + Values, 1, "unknown element")]
    public void RejectsWithFileAndLine(string text, int line, string fragment)
    {
        var ex = Assert.Throws<InputFormatException>(() => TersoffParameters.Parse(text, "bad.tersoff"));
        Assert.Equal("bad.tersoff", ex.File);
        Assert.Equal(line, ex.Line);
        Assert.Contains(fragment, ex.Problem);
    }
}
