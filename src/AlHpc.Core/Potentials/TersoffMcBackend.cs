namespace AlHpc.Potentials;

/// <summary>
/// Monte Carlo energy backend of a Tersoff potential with local updates (see <see cref="IMcEnergyBackend"/>).
/// <para>
/// The total energy is a sum of site energies E_i = 1/2 sum_j fC(r_ij)[fR(r_ij) + b_ij fA(r_ij)], and E_i
/// depends only on the beads within the cutoff of bead i. Moving bead m therefore changes E_m and the site
/// energies of the beads within the cutoff of m's old or new position, nothing else. The backend keeps every
/// bead's site energy; positions, the cell hash (cells of one cutoff) and the proposal protocol are
/// <see cref="LocalMcBackend"/>'s. A proposal recomputes the affected site energies (a handful of beads, each
/// with ~4 neighbours), so its cost does not depend on the cluster size. Accept commits them; TotalEnergy is
/// accumulated from the dE of accepted proposals.
/// </para>
/// </summary>
public sealed class TersoffMcBackend : LocalMcBackend
{
    private readonly TersoffKernel _k;
    private double[] _site = new double[64];
    private double[] _affectedSite = new double[64];
    private double _newSite; // site energy of the moved / inserted bead

    internal TersoffMcBackend(TersoffPotential potential) : base(potential.Kernel.Cutoff)
    {
        _k = potential.Kernel;
    }

    /// <summary>Site energy (eV) of bead i in the current configuration (they sum to TotalEnergy up to rounding).</summary>
    public double SiteEnergy(int i) => (uint)i < (uint)Count ? _site[i] : throw new ArgumentOutOfRangeException(nameof(i));

    private protected override double ComputeAll(int n)
    {
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            _site[i] = Site(CurrentNeighbourhood(i));
            total += _site[i];
        }
        return total;
    }

    /// <summary>dE = sum over the affected beads of (new - old) site energy, then the moved or inserted bead's own
    /// change (or minus the removed bead's site energy).</summary>
    private protected override double EvaluateProposal()
    {
        CollectAffected(includeProposed: false);
        var affected = Affected;
        if (_affectedSite.Length < affected.Length) _affectedSite = new double[2 * affected.Length];
        double dE = 0;
        for (int a = 0; a < affected.Length; a++)
        {
            int i = affected[a];
            double e = Site(ProposedNeighbourhood(i));
            _affectedSite[a] = e;
            dE += e - _site[i];
        }
        int k = ProposalIndex;
        switch (Kind)
        {
            case ProposalKind.Move:
                _newSite = Site(ProposedNeighbourhood(k));
                dE += _newSite - _site[k];
                break;
            case ProposalKind.Insert:
                _newSite = Site(ProposedNeighbourhood(k));
                dE += _newSite;
                break;
            default:
                dE -= _site[k];
                break;
        }
        return dE;
    }

    private protected override void Commit()
    {
        var affected = Affected;
        for (int a = 0; a < affected.Length; a++) _site[affected[a]] = _affectedSite[a];
        if (Kind != ProposalKind.Remove) _site[ProposalIndex] = _newSite;
    }

    private protected override void MoveBead(int from, int to) => _site[to] = _site[from];

    private protected override void EnsureCapacity(int beads)
    {
        if (_site.Length < beads) Array.Resize(ref _site, Math.Max(beads, 2 * _site.Length));
    }

    private double Site(Neighbourhood env) => _k.SiteEnergy(env.Dx, env.Dy, env.Dz, env.R);
}
