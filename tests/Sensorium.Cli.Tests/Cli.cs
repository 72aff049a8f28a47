namespace Sensorium.Cli.Tests;

/// <summary>Runs the `sensorium` command in-process and captures what it printed.</summary>
internal static class Cli
{
    public static (int Code, string Out, string Err) Run(params string[] argv)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CommandLine.Run(argv, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
