using Sensorium.Data;

namespace Sensorium.Cli;

/// <summary>One `sensorium` sub-command. Output meant for scripts goes to <c>Out</c> (JSON), messages to <c>Err</c>.</summary>
public interface ICommand
{
    /// <summary>The words that select it, e.g. "synth" or "submission validate".</summary>
    string Name { get; }

    /// <summary>One line shown by `sensorium help`.</summary>
    string Summary { get; }

    /// <summary>Usage text shown on a usage error.</summary>
    string Usage { get; }

    int Run(CliArgs args, TextWriter output, TextWriter error);
}

/// <summary>A wrong command line: exit code 2 with the usage.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Dispatches to the commands. Exit codes: 0 success, 1 invalid input (with a message), 2 usage.</summary>
public static class CommandLine
{
    public const int Ok = 0, InvalidInput = 1, UsageError = 2;

    /// <summary>Every command, longest names first so "submission validate" wins over a shorter prefix.</summary>
    public static IReadOnlyList<ICommand> Commands { get; } = new ICommand[]
    {
        new SynthCommand(),
        new TrainCommand(),
        new StopCommand(),
        new SweepCommand(),
        new EvaluateCommand(),
        new EnsembleCommand(),
        new SubmissionMakeCommand(),
        new CheckpointImportCommand(),
        new InspectCommand(),
        new BenchLoadCommand(),
        new BenchTrainCommand(),
        new DevicesCommand(),
        new SubmissionValidateCommand(),
        new SubmissionScoreCommand(),
        new SubmissionSubmitCommand(),
        new BenchScoreCommand(),
    }.Concat(InSilicoCommand.All).OrderByDescending(c => c.Name.Split(' ').Length).ToArray();

    public static int Run(string[] argv, TextWriter output, TextWriter error)
    {
        if (argv.Length == 0 || argv[0] is "help" or "--help" or "-h")
        {
            PrintHelp(argv.Length == 0 ? error : output);
            return argv.Length == 0 ? UsageError : Ok;
        }
        var command = Commands.FirstOrDefault(c => Matches(c, argv));
        if (command is null)
        {
            error.WriteLine($"sensorium: unknown command '{string.Join(' ', argv.TakeWhile(a => !a.StartsWith('-')))}'");
            PrintHelp(error);
            return UsageError;
        }
        int words = command.Name.Split(' ').Length;
        try
        {
            var args = CliArgs.Parse(argv[words..]);
            if (args.Has("help")) { output.WriteLine(command.Usage); return Ok; }
            int code = command.Run(args, output, error);
            return code;
        }
        catch (UsageException e)
        {
            error.WriteLine($"sensorium {command.Name}: {e.Message}");
            error.WriteLine(command.Usage);
            return UsageError;
        }
        catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            error.WriteLine($"sensorium {command.Name}: {e.Message}");
            return InvalidInput;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine($"sensorium {command.Name}: cancelled");
            return InvalidInput;
        }
    }

    private static bool Matches(ICommand c, string[] argv)
    {
        var words = c.Name.Split(' ');
        return argv.Length >= words.Length && words.Select((w, i) => argv[i] == w).All(x => x);
    }

    private static void PrintHelp(TextWriter w)
    {
        w.WriteLine("usage: sensorium <command> [options]   (sensorium <command> --help for its options)");
        w.WriteLine();
        foreach (var c in Commands.OrderBy(c => c.Name, StringComparer.Ordinal))
            w.WriteLine($"  {c.Name,-22} {c.Summary}");
    }
}
