using System.CommandLine;
using System.Globalization;
using AlHpc.Descriptors;
using AlHpc.IO;
using AlHpc.Network;
using AlHpc.OpenCL.Workloads;
using AlHpc.Structures;
using AlHpc.Training;

namespace AlHpc.Cli.Commands;

/// <summary>
/// alhpc train --data FILE [--setup FILE.stp] [--epochs 2000] [--batch 0] [--mu 0.1] [--holdout 0.1]
/// [--forces-weight W] [--force-projections R] [--seed S] [--init MODEL] [--early-stop K] [--threads N] -o MODEL [--curve CURVE.csv].
/// Only parses options into <see cref="TrainingSettings"/> (their defaults are the options' defaults); the
/// trainer decides the setup and the architecture (<see cref="TrainingSettings.ResolveSetup"/>, <see cref="LmTrainer.Architecture"/>).
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        // The defaults are the training settings' own: one generation of `alhpc learn`.
        var t = new TrainingSettings();
        var data = new Option<string>("--data", "-d") { Description = "Training structures with reference energies: extended XYZ (energy= per frame) or aenet XSF.", Required = true };
        var setup = new Option<string?>("--setup") { Description = "Descriptor setup (aenet .stp). Default: the built-in 26-function Water setup, or the --init model's setup." };
        var epochs = new Option<int>("--epochs") { Description = "Epochs (passes over the training structures).", DefaultValueFactory = _ => t.Epochs };
        var batch = new Option<int>("--batch") { Description = "Structures per Levenberg-Marquardt step; 0 = full batch (as learn; the paper's aenet setting is 32).", DefaultValueFactory = _ => t.BatchSize };
        var smallBatch = new Option<int>("--small-batch") { Description = "Batch size while the training split is smaller than --batch (paper: 1); 0 = full batch.", DefaultValueFactory = _ => t.SmallPoolBatchSize };
        var mu = new Option<double>("--mu") { Description = "Initial damping (aenet's learnrate).", DefaultValueFactory = _ => t.Mu };
        var holdout = new Option<double>("--holdout") { Description = "Fraction of structures held out to select the best network.", DefaultValueFactory = _ => t.HoldoutFraction };
        var forcesWeight = new Option<double>("--forces-weight")
        {
            Description = "Weight of force residuals (0 = energies only, as the paper). W > 0 also fits forces: 3N rows per structure, " +
                          "W = 1 weighs a structure's mean squared force error (eV/A)^2 like its squared per-atom energy error (eV)^2; " +
                          "needs forces in the data (extxyz Properties=...:forces:R:3); CPU only; slower (see docs/training.md).",
            DefaultValueFactory = _ => t.ForcesWeight,
        };
        var projections = new Option<int>("--force-projections")
        {
            Description = "With --forces-weight > 0: R > 0 replaces the 3N force rows of each structure by R random projections per epoch " +
                          "(an unbiased estimate of the same force term, much cheaper; see docs/training.md); 0 = the exact 3N rows.",
            DefaultValueFactory = _ => t.ForceProjections,
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the held-out split, initial weights and batch order.", DefaultValueFactory = _ => t.Seed };
        var init = new Option<string?>("--init") { Description = "Warm start from this model file (its network, scaling and descriptor setup are kept)." };
        var earlyStop = new Option<int>("--early-stop") { Description = "Stop after this many epochs without a better held-out error (0 = off).", DefaultValueFactory = _ => t.EarlyStopEpochs };
        var cap = new Option<double>("--selection-cap") { Description = "Best-epoch selection: each held-out structure's error counts at most this much (meV/molecule); 0 = plain held-out MAE (aenet).", DefaultValueFactory = _ => t.EffectiveSelectionCapMeV() };
        var hidden = new Option<string>("--hidden") { Description = $"Hidden layers, nodes per layer, comma-separated (e.g. 20,20,20).", DefaultValueFactory = _ => string.Join(',', t.HiddenLayers) };
        var activation = new Option<string>("--activation") { Description = $"Activation of the hidden layers (aenet's set): {NetworkSettingsText.Activations}; the output layer is linear.", DefaultValueFactory = _ => t.Activation };
        var isolated = new Option<double>("--isolated-energy") { Description = "Energy of an isolated molecule (eV), anchored exactly (0 for ML-BOP).", DefaultValueFactory = _ => t.IsolatedAtomEnergy };
        var noAnchor = new Option<bool>("--no-anchor") { Description = "Do not anchor the isolated-molecule energy (the monomer gets whatever the network says)." };
        var output = new Option<string>("--output", "-o") { Description = "Model file to write (JSON, see docs/model-file.md).", Required = true };
        var curve = new Option<string?>("--curve") { Description = "Write the learning curve (epoch, train/held-out MAE meV/molecule, mu, seconds, steps; force MAE meV/A with --forces-weight > 0) as CSV." };
        var cmd = new Command("train", "Train the network on reference energies (optionally also forces) with Levenberg-Marquardt; keeps the network with the best held-out energy error.");
        foreach (var o in new Option[] { data, setup, epochs, batch, smallBatch, mu, holdout, forcesWeight, projections, seed, init, earlyStop, cap, hidden, activation, isolated, noAnchor, output, curve })
            cmd.Options.Add(o);
        var threads = ThreadsOption.Add(cmd, "Results do not depend on it.");
        var device = DeviceOption.Add(cmd);
        // the option of each training setting, to name it in messages
        var flags = new Dictionary<string, Option>
        {
            [nameof(t.Epochs)] = epochs, [nameof(t.BatchSize)] = batch, [nameof(t.SmallPoolBatchSize)] = smallBatch, [nameof(t.Mu)] = mu,
            [nameof(t.HoldoutFraction)] = holdout, [nameof(t.ForcesWeight)] = forcesWeight, [nameof(t.ForceProjections)] = projections, [nameof(t.Seed)] = seed,
            [nameof(t.EarlyStopEpochs)] = earlyStop, [nameof(t.SelectionErrorCapMeV)] = cap, [nameof(t.HiddenLayers)] = hidden,
            [nameof(t.Activation)] = activation, [nameof(t.IsolatedAtomEnergy)] = isolated, [nameof(t.SetupFile)] = setup, [nameof(t.Threads)] = threads,
        };
        cmd.SetAction(pr => ExitCodes.Guard(() =>
        {
            string dataPath = pr.GetValue(data)!, outPath = pr.GetValue(output)!;
            TrainingSettings settings;
            try
            {
                settings = new TrainingSettings
                {
                    Epochs = pr.GetValue(epochs),
                    BatchSize = pr.GetValue(batch),
                    SmallPoolBatchSize = pr.GetValue(smallBatch),
                    Mu = pr.GetValue(mu),
                    HoldoutFraction = pr.GetValue(holdout),
                    ForcesWeight = pr.GetValue(forcesWeight),
                    ForceProjections = pr.GetValue(projections),
                    Seed = pr.GetValue(seed),
                    EarlyStopEpochs = pr.GetValue(earlyStop),
                    SelectionErrorCapMeV = pr.GetValue(cap),
                    HiddenLayers = NetworkSettingsText.ParseHidden(pr.GetValue(hidden)!, hidden.Name),
                    Activation = NetworkSettingsText.ParseActivation(pr.GetValue(activation)!, activation.Name).ToAenetName(),
                    Threads = ThreadsOption.Count(pr, threads),
                    IsolatedAtomEnergy = pr.GetValue(isolated),
                    AnchorIsolatedAtom = !pr.GetValue(noAnchor),
                    SetupFile = pr.GetValue(setup),
                };
                settings.Validate();
            }
            catch (TrainingSettingsException e) { throw OptionNames.Translate(e, flags); }
            catch (ArgumentException e) { throw new UsageException(e.Message); }
            bool withForces = settings.ForcesWeight > 0;

            OutputPaths.NotAnInput(outPath, dataPath, pr.GetValue(init), pr.GetValue(setup));
            NnModel? start = pr.GetValue(init) is { } initPath ? PotentialLoader.LoadModel(initPath, init.Name) : null;
            if (start != null)
                foreach (var o in new Option[] { hidden, activation })
                    if (pr.GetResult(o) is { Implicit: false })
                        throw new UsageException($"{o.Name} does not apply with {init.Name}: training continues the {init.Name} model's network");
            DescriptorSetup descriptorSetup;
            try { descriptorSetup = settings.ResolveSetup(start); }
            catch (TrainingSettingsException e) { throw OptionNames.Translate(e, flags); }

            var clusters = PotentialLoader.LoadStructures(dataPath, data.Name, [descriptorSetup.Element]);
            if (clusters.Count == 0) throw new InputFormatException(dataPath, 0, "no structures to train on");
            for (int i = 0; i < clusters.Count; i++)
            {
                if (clusters[i].Energy is not { } e || !double.IsFinite(e))
                    throw new InputFormatException(dataPath, 0,
                        $"structure {i} (frame {i + 1}) has no reference energy; training needs one per structure (energy=... on the extxyz comment line)");
                if (clusters[i].Count == 0) throw new InputFormatException(dataPath, 0, $"structure {i} (frame {i + 1}) has no atoms");
                if (withForces && (clusters[i].Forces is not { } f || !f.All(double.IsFinite)))
                    throw new InputFormatException(dataPath, 0,
                        $"structure {i} (frame {i + 1}) has no reference forces; {forcesWeight.Name} > 0 needs finite forces for every structure (extxyz Properties=...:forces:R:3)");
            }

            // --device opencl: Jacobian rows and residual predictions on the device (training data uploaded once),
            // for the architecture the trainer decides
            using var dev = DeviceOption.Resolve(pr, device);
            if (dev.IsOpenCl)
            {
                var backend = dev.Backend;
                settings = settings with { JacobianBuilder = backend.CreateJacobianBuilder };
                try { settings.Validate(); }
                catch (NotSupportedException)
                {
                    throw new UsageException($"{forcesWeight.Name} {settings.ForcesWeight.ToString(CultureInfo.InvariantCulture)}: force training runs on the CPU path only; use --device cpu (or unset ALHPC_DEVICE)");
                }
            }
            var set = TrainingSet.FromClusters(ClusterBatch.FromClusters(clusters), descriptorSetup,
                maxDegreeOfParallelism: settings.Threads > 0 ? settings.Threads : -1, withForces: withForces);

            TrainingResult result;
            using (var progress = new ConsoleProgress("train", settings.Epochs, "epochs"))
                result = LmTrainer.Train(set, settings, start, r => progress.Report(r.Epoch, settings.Epochs));
            ModelFile.Save(outPath, result.Model.WithProvenance("trainingData", Path.GetFileName(dataPath)));
            if (pr.GetValue(curve) is { } curvePath) result.WriteCurveCsv(curvePath);

            var ci = CultureInfo.InvariantCulture;
            int epochsRun = result.Curve.Count - 1;
            string hold = result.HoldoutIndices.Length > 0 ? result.BestHoldoutMae.ToString("F4", ci) : "n/a (nothing held out)";
            Console.Error.WriteLine(string.Create(ci,
                $"alhpc train: {set.StructureCount} structures ({result.TrainIndices.Length} trained, {result.HoldoutIndices.Length} held out), " +
                $"batch {result.BatchSize}, {epochsRun} epochs{(result.StoppedEarly ? " (early stop)" : "")} in {result.Seconds:F2} s " +
                $"({(epochsRun > 0 ? 1000 * result.Seconds / epochsRun : 0):F2} ms/epoch)"));
            Console.Error.WriteLine(string.Create(ci,
                $"alhpc train: best epoch {result.BestEpoch}: energy MAE train {result.BestTrainMae:F4}, held-out {hold} meV/molecule -> {outPath}"));
            if (withForces)
                Console.Error.WriteLine(string.Create(ci,
                    $"alhpc train: force MAE train {result.BestTrainForceMae:F2}, held-out {(result.HoldoutIndices.Length > 0 ? result.BestHoldoutForceMae.ToString("F2", ci) : "n/a")} meV/A (forces weight {settings.ForcesWeight:G6}{(settings.ForceProjections > 0 ? $", {settings.ForceProjections} random projections per structure" : "")}; the best epoch is chosen by the held-out energy MAE)"));
            return ExitCodes.Success;
        }));
        return cmd;
    }
}
