using System.Runtime.InteropServices;

namespace Sensorium.Web.Features.Security;

/// <summary>
/// The data directory holds hidden final-test scores, submissions, the host copy and the data-protection key ring:
/// it is made owner-only (0700), and the process's umask is set to 077 so every file and folder the server and its
/// workers create from now on is owner-only too (0600/0700) whatever the shell's umask was.
/// </summary>
public static class OwnerOnlyFiles
{
    const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static void Apply(string dataDirectory)
    {
        if (OperatingSystem.IsWindows()) return;
        umask(0b000_111_111); // 077
        Directory.CreateDirectory(dataDirectory, OwnerOnly);
        if ((File.GetUnixFileMode(dataDirectory) & ~OwnerOnly) != 0) File.SetUnixFileMode(dataDirectory, OwnerOnly);
    }

    [DllImport("libc", SetLastError = true)]
    static extern uint umask(uint mask);
}
