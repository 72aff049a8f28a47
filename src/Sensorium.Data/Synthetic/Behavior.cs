namespace Sensorium.Data.Synthetic;

/// <summary>
/// Behaviour over one session, indexed by presentation order: pupil size, its derivative, running speed and the pupil
/// centre (camera pixels). A slow arousal state (AR(1) with a drift over the session) drives running bouts and pupil
/// dilation, so pupil and running are correlated and both drift; the eye wanders slowly with occasional saccades and
/// moves a little with running.
/// </summary>
public sealed class Behavior
{
    /// <summary>Typical values the ground-truth model standardises with (not the sample statistics).</summary>
    public const double PupilReference = 22, PupilScale = 5, RunReference = 4, RunScale = 8;

    public required float[] Pupil { get; init; }
    public required float[] PupilDerivative { get; init; }
    public required float[] Running { get; init; }
    public required float[] PupilX { get; init; }
    public required float[] PupilY { get; init; }
    /// <summary>The eye's resting position (camera pixels), from which eye shifts are measured.</summary>
    public required double CenterX { get; init; }
    public required double CenterY { get; init; }

    public static Behavior Simulate(int trials, ulong mouseSeed)
    {
        var rng = SynthRandom.For(mouseSeed, "behavior");
        var b = new Behavior
        {
            Pupil = new float[trials], PupilDerivative = new float[trials], Running = new float[trials],
            PupilX = new float[trials], PupilY = new float[trials],
            CenterX = rng.Uniform(200, 320), CenterY = rng.Uniform(140, 220),
        };
        double baseline = rng.Uniform(18, 26), drift = rng.Uniform(-1.0, 0.3);
        double arousal = rng.Normal(), running = 0, pupilNoise = 0, pupil = baseline;
        bool run = false;
        double ex = 0, ey = 0;
        for (int t = 0; t < trials; t++)
        {
            double phase = trials > 1 ? (double)t / (trials - 1) : 0;
            arousal = 0.985 * arousal + Math.Sqrt(1 - 0.985 * 0.985) * rng.Normal();
            double a = arousal + drift * (phase - 0.5) * 2;
            // Running bouts: a two-state chain whose switching follows arousal.
            double pStart = 0.03 * Math.Exp(0.9 * a), pStop = 0.06 * Math.Exp(-0.6 * a);
            if (run ? rng.Chance(pStop) : rng.Chance(pStart)) run = !run;
            double target = run ? Math.Max(2, 12 + 5 * a) : 0;
            running = 0.7 * running + 0.3 * target + (run ? rng.Normal(0, 1.5) : 0);
            double speed = Math.Max(0, running) + Math.Abs(rng.Normal(0, run ? 0.8 : 0.15));
            // Pupil dilates with arousal and running, plus its own slow fluctuation.
            pupilNoise = 0.9 * pupilNoise + rng.Normal(0, 0.8);
            double previous = pupil;
            pupil = Math.Max(4, baseline + 3.5 * a + 0.25 * Math.Max(0, running) + pupilNoise);
            double derivative = 0.4 * (pupil - previous) + rng.Normal(0, 0.3);
            // Eye position: slow wander, saccades, a horizontal bias while running.
            ex = 0.97 * ex + rng.Normal(0, 1.0);
            ey = 0.97 * ey + rng.Normal(0, 0.7);
            if (rng.Chance(0.04)) { ex += rng.Normal(0, 8); ey += rng.Normal(0, 5); }
            b.Pupil[t] = (float)pupil;
            b.PupilDerivative[t] = (float)derivative;
            b.Running[t] = (float)speed;
            b.PupilX[t] = (float)(b.CenterX + ex + (run ? 2.5 : 0));
            b.PupilY[t] = (float)(b.CenterY + ey + 0.08 * (pupil - baseline));
        }
        return b;
    }
}
