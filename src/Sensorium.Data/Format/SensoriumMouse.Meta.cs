using System.Text.RegularExpressions;
using Sensorium.Data.Npy;

namespace Sensorium.Data.Format;

// Reading and checking meta/trials, meta/neurons and meta/statistics.
public sealed partial class SensoriumMouse
{
    [GeneratedRegex("^[0-9a-fA-F]{32}$")]
    private static partial Regex HashPattern();

    [GeneratedRegex("^-?[0-9]+$")]
    private static partial Regex IntegerPattern();

    private static MouseMeta ReadMeta(MouseFiles files, int trials)
    {
        // -- meta/trials
        const string tiersPath = "meta/trials/tiers.npy";
        var tiersArray = files.ReadNpy(tiersPath, "the tier of every trial");
        if (tiersArray.DType.Kind is not (NpyKind.Unicode or NpyKind.Bytes))
            throw new DataFormatException(files.Describe(tiersPath), $"dtype {tiersArray.DType.ToDescr()}, expected strings (<U… or |S…)");
        RequireLength(files, tiersPath, tiersArray, trials, "one tier per trial");
        string[] tierStrings = tiersArray.ToStrings();
        var tiers = new Tier[trials];
        for (int i = 0; i < trials; i++)
            if (!Tiers.TryParse(tierStrings[i], out tiers[i]))
                throw new DataFormatException(files.Describe(tiersPath), $"trial {i} has unknown tier '{tierStrings[i]}' (expected train, validation, test or final_test)");

        const string imageIdPath = "meta/trials/frame_image_id.npy";
        var imageIds = files.ReadNpy(imageIdPath, "the image id of every trial");
        RequireLength(files, imageIdPath, imageIds, trials, "one image id per trial");
        long[] frameImageId = ToIntegers(files, imageIdPath, imageIds);

        const string trialIdxPath = "meta/trials/trial_idx.npy";
        var trialIdxArray = files.ReadNpy(trialIdxPath, "the trial index (integer or hash) of every trial");
        RequireLength(files, trialIdxPath, trialIdxArray, trials, "one trial_idx per trial");
        string[] trialIdx;
        TrialIdxKind kind;
        if (trialIdxArray.DType.Kind is NpyKind.Unicode or NpyKind.Bytes)
        {
            trialIdx = trialIdxArray.ToStrings();
            if (trialIdx.All(s => HashPattern().IsMatch(s))) kind = TrialIdxKind.Hash;
            else if (trialIdx.All(s => IntegerPattern().IsMatch(s))) kind = TrialIdxKind.Integer;
            else
            {
                var pattern = HashPattern().IsMatch(trialIdx[0]) ? HashPattern() : IntegerPattern();
                int bad = Array.FindIndex(trialIdx, s => !pattern.IsMatch(s));
                throw new DataFormatException(files.Describe(trialIdxPath), $"trial {bad} has trial_idx '{trialIdx[bad]}' (expected integers or 32-character hex hashes)");
            }
        }
        else
        {
            trialIdx = ToIntegers(files, trialIdxPath, trialIdxArray).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            kind = TrialIdxKind.Integer;
        }

        // -- meta/neurons
        const string unitIdsPath = "meta/neurons/unit_ids.npy";
        var unitIdArray = files.ReadNpy(unitIdsPath, "one id per neuron");
        if (unitIdArray.Shape.Length != 1 || unitIdArray.Count == 0)
            throw new DataFormatException(files.Describe(unitIdsPath), $"shape {unitIdArray.ShapeText}, expected (N,) with N ≥ 1 neurons");
        long[] unitIds = ToIntegers(files, unitIdsPath, unitIdArray);
        int n = unitIds.Length;

        const string coordinatesPath = "meta/neurons/cell_motor_coordinates.npy";
        var coordinates = files.ReadNpy(coordinatesPath, "the (x, y, z) position of every neuron");
        if (coordinates.Shape.Length != 2 || coordinates.Shape[0] != n || coordinates.Shape[1] != 3)
            throw new DataFormatException(files.Describe(coordinatesPath), $"shape {coordinates.ShapeText}, expected ({n}, 3): x, y, z for each of the {n} neurons of unit_ids.npy");
        if (!coordinates.IsNumeric || coordinates.DType.Kind == NpyKind.Bool)
            throw new DataFormatException(files.Describe(coordinatesPath), $"dtype {coordinates.DType.ToDescr()} is not numeric");

        return new MouseMeta(tiers, tiersArray.DType.ToDescr(), frameImageId, trialIdx, kind, unitIds, coordinates.ToFloat64());
    }

    private static MouseStatistics ReadStatistics(MouseFiles files, int neurons) => new(
        ReadFeatureStatistics(files, "images", 1, "a scalar"),
        ReadFeatureStatistics(files, "responses", neurons, $"({neurons},): one per neuron"),
        ReadFeatureStatistics(files, "behavior", BehaviorLength, $"({BehaviorLength},)"),
        ReadFeatureStatistics(files, "pupil_center", PupilCenterLength, $"({PupilCenterLength},)"));

    private static FeatureStatistics ReadFeatureStatistics(MouseFiles files, string group, int length, string expected)
    {
        var values = new double[FeatureStatistics.FileNames.Count][];
        for (int k = 0; k < values.Length; k++)
        {
            string path = $"meta/statistics/{group}/all/{FeatureStatistics.FileNames[k]}.npy";
            var array = files.ReadNpy(path, $"the {FeatureStatistics.FileNames[k]} of {group} over all trials");
            if (array.DType.Kind is not (NpyKind.Float or NpyKind.Int or NpyKind.UInt))
                throw new DataFormatException(files.Describe(path), $"dtype {array.DType.ToDescr()} is not numeric");
            // Scalars may be stored 0-d or as a 1-element vector; vectors must be 1-D of the right length.
            bool ok = length == 1 ? array.Count == 1 : array.Shape.Length == 1 && array.Shape[0] == length;
            if (!ok) throw new DataFormatException(files.Describe(path), $"shape {array.ShapeText}, expected {expected}");
            values[k] = array.ToFloat64();
        }
        return new FeatureStatistics(values[0], values[1], values[2], values[3], values[4]);
    }

    private static void RequireLength(MouseFiles files, string path, NpyArray array, int trials, string what)
    {
        if (array.Shape.Length != 1 || array.Shape[0] != trials)
            throw new DataFormatException(files.Describe(path), $"shape {array.ShapeText}, expected ({trials},): {what} (data/images holds {trials} trials)");
    }

    private static long[] ToIntegers(MouseFiles files, string path, NpyArray array)
    {
        if (array.DType.Kind is not (NpyKind.Int or NpyKind.UInt or NpyKind.Float))
            throw new DataFormatException(files.Describe(path), $"dtype {array.DType.ToDescr()}, expected integers");
        try { return array.ToInt64(); }
        catch (Exception e) when (e is InvalidOperationException or OverflowException)
        {
            throw new DataFormatException(files.Describe(path), $"expected integers ({e.Message})");
        }
    }
}
