namespace Sensorium.Web.Features.Submissions;

/// <summary>Uploads go to disk as they arrive, 80 KB at a time, never whole into memory, and stop at a size limit.</summary>
public static class UploadStaging
{
    /// <summary>Copies at most <paramref name="maxBytes"/>; returns the bytes copied, or null when the source is longer.</summary>
    public static async Task<long?> CopyLimitedAsync(Stream source, Stream destination, long maxBytes, CancellationToken cancel = default)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancel)) > 0)
        {
            total += read;
            if (total > maxBytes) return null;
            await destination.WriteAsync(buffer.AsMemory(0, read), cancel);
        }
        return total;
    }
}
