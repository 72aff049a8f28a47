// Kept over System.CommandLine 3.0.0 (served; issue 10), measured by scripts/bench-cli.sh on `train`'s 19 options (15 fresh processes each, load 17): a cold parse takes 14 ms here vs 71 ms with System.CommandLine (median; the CLI is started for every run, submission and in-silico job), and its default errors name less — `--epochs abc` gives "Cannot parse argument 'abc' for option '--epochs' as expected type 'System.Int32'" (no range; ours: "--epochs must be an integer in [1, 100000] (got 'abc')"), `--json yes` gives "Unrecognized command or argument 'yes'" (no option named), a misspelt `--modle sota` is reported twice (the option and its value) — matching ours takes a validator per option, i.e. this file again; the usage text comes from one table (CliHelp) either way.
using System.Globalization;

namespace Sensorium.Cli;

/// <summary>
/// Parsed `--name value` options, `--flag` switches and positional arguments. Every option a command reads is
/// marked used; <see cref="RejectUnknown"/> turns a misspelt option into a usage error instead of silently ignoring it.
/// </summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string?>> _repeated = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    public static CliArgs Parse(string[] argv)
    {
        var a = new CliArgs();
        for (int i = 0; i < argv.Length; i++)
        {
            string s = argv[i];
            if (s.StartsWith("--", StringComparison.Ordinal) && s.Length > 2)
            {
                string name = s[2..];
                string? value = null;
                int eq = name.IndexOf('=');
                if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
                else if (i + 1 < argv.Length && !argv[i + 1].StartsWith("--", StringComparison.Ordinal)) value = argv[++i];
                // A repeated option is kept whole; reading it with Optional is a usage error, with Many it is a list.
                if (!a._options.TryAdd(name, value))
                {
                    if (!a._repeated.TryGetValue(name, out var all)) a._repeated[name] = all = [a._options[name]];
                    all.Add(value);
                }
            }
            else a.Positional.Add(s);
        }
        return a;
    }

    public bool Has(string name)
    {
        _used.Add(name);
        return _options.ContainsKey(name);
    }

    /// <summary>A switch such as --json (present = true); a value is an error.</summary>
    public bool Flag(string name)
    {
        _used.Add(name);
        if (_repeated.ContainsKey(name)) throw new UsageException($"option --{name} given twice");
        if (!_options.TryGetValue(name, out var v)) return false;
        if (v is not null) throw new UsageException($"--{name} takes no value (got '{v}')");
        return true;
    }

    public string? Optional(string name)
    {
        _used.Add(name);
        if (_repeated.ContainsKey(name)) throw new UsageException($"option --{name} given twice");
        if (!_options.TryGetValue(name, out var v)) return null;
        return v ?? throw new UsageException($"--{name} needs a value");
    }

    public string Required(string name) => Optional(name) ?? throw new UsageException($"--{name} is required");

    public string Choice(string name, string fallback, params string[] allowed)
    {
        string v = Optional(name) ?? fallback;
        if (!allowed.Contains(v)) throw new UsageException($"--{name} must be one of {string.Join("|", allowed)} (got '{v}')");
        return v;
    }

    public string RequiredChoice(string name, params string[] allowed)
    {
        string v = Required(name);
        if (!allowed.Contains(v)) throw new UsageException($"--{name} must be one of {string.Join("|", allowed)} (got '{v}')");
        return v;
    }

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        string? v = Optional(name);
        if (v is null) return fallback;
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int x) || x < min || x > max)
            throw new UsageException($"--{name} must be an integer in [{min}, {max}] (got '{v}')");
        return x;
    }

    public double Double(string name, double fallback)
    {
        string? v = Optional(name);
        if (v is null) return fallback;
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !double.IsFinite(x))
            throw new UsageException($"--{name} must be a number (got '{v}')");
        return x;
    }

    /// <summary>A comma-separated list (e.g. --mice 26872-17-20,27204-5-13), or null when absent.</summary>
    public string[]? List(string name) =>
        Optional(name)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Every value of an option that may be given several times (e.g. --grid A=1,2 --grid B=3); empty when absent.</summary>
    public IReadOnlyList<string> Many(string name)
    {
        _used.Add(name);
        if (_repeated.TryGetValue(name, out var all))
            return all.Select(v => v ?? throw new UsageException($"--{name} needs a value")).ToList();
        if (!_options.TryGetValue(name, out var one)) return [];
        return [one ?? throw new UsageException($"--{name} needs a value")];
    }

    /// <summary>Call after reading every option: unknown options and surplus positionals are usage errors.</summary>
    public void RejectUnknown(int maxPositional = 0)
    {
        var unknown = _options.Keys.Where(k => !_used.Contains(k)).ToArray();
        if (unknown.Length > 0) throw new UsageException($"unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}");
        if (Positional.Count > maxPositional) throw new UsageException($"unexpected argument(s): {string.Join(" ", Positional.Skip(maxPositional))}");
    }
}
