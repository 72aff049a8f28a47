using System.Runtime.InteropServices;

namespace Sensorium.Web.Features.Runs.Worker;

/// <summary>SIGTERM for a worker (.NET's Process.Kill only sends SIGKILL, which leaves no chance to checkpoint).</summary>
static class PosixSignals
{
    const int SIGTERM = 15;

    /// <summary>0 when the signal was sent; non-zero otherwise (no such process, or not on a POSIX system).</summary>
    public static int Terminate(int pid)
    {
        if (OperatingSystem.IsWindows()) return -1;
        return kill(pid, SIGTERM);
    }

    /// <summary>Whether a process with this id exists (signal 0 sends nothing).</summary>
    public static bool Exists(int pid) => !OperatingSystem.IsWindows() && kill(pid, 0) == 0;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
