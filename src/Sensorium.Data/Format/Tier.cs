namespace Sensorium.Data.Format;

/// <summary>The data split a trial belongs to (meta/trials/tiers.npy). "test" is the live test; "final_test" exists only for the two competition mice.</summary>
public enum Tier { Train, Validation, Test, FinalTest }

public static class Tiers
{
    /// <summary>Every tier, in the order used for listings.</summary>
    public static IReadOnlyList<Tier> All { get; } = [Tier.Train, Tier.Validation, Tier.Test, Tier.FinalTest];

    /// <summary>The string stored in tiers.npy: train, validation, test, final_test.</summary>
    public static string ToOfficialString(this Tier tier) => tier switch
    {
        Tier.Train => "train",
        Tier.Validation => "validation",
        Tier.Test => "test",
        Tier.FinalTest => "final_test",
        _ => throw new ArgumentOutOfRangeException(nameof(tier)),
    };

    public static bool TryParse(string text, out Tier tier)
    {
        switch (text)
        {
            case "train": tier = Tier.Train; return true;
            case "validation": tier = Tier.Validation; return true;
            case "test": tier = Tier.Test; return true;
            case "final_test": tier = Tier.FinalTest; return true;
            default: tier = default; return false;
        }
    }

    /// <summary>True for the tiers whose responses the competition withheld (zeroed) in the competition mice.</summary>
    public static bool IsTestTier(this Tier tier) => tier is Tier.Test or Tier.FinalTest;
}
