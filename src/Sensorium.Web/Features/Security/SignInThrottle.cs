using System.Collections.Concurrent;

namespace Sensorium.Web.Features.Security;

/// <summary>
/// Slows password guessing (and the PBKDF2 work each guess costs) per user name and per client address: the first
/// <see cref="FreeFailures"/> failures cost nothing, each further one locks the name and the address for a delay that
/// doubles (1 s, 2 s, 4 s, … up to <see cref="MaxDelay"/>). While locked, a sign-in is refused before any password
/// is hashed, even the right one. A success clears the user name's count; a key forgets its failures after
/// <see cref="Forget"/> without one. In memory: a restart clears it.
/// </summary>
public sealed class SignInThrottle(TimeProvider time)
{
    public const int FreeFailures = 3;
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan Forget = TimeSpan.FromHours(1);
    const int MaxKeys = 100_000;

    readonly ConcurrentDictionary<string, Entry> entries = new();

    /// <summary>How long this name or address must still wait; null when it may try now.</summary>
    public TimeSpan? RetryAfter(string userName, string? client)
    {
        var now = time.GetUtcNow();
        TimeSpan? wait = null;
        foreach (var key in Keys(userName, client))
            if (entries.TryGetValue(key, out var entry))
                lock (entry)
                    if (entry.LockedUntil > now && (wait is null || entry.LockedUntil - now > wait)) wait = entry.LockedUntil - now;
        return wait;
    }

    public void Failed(string userName, string? client)
    {
        var now = time.GetUtcNow();
        if (entries.Count > MaxKeys) Prune(now);
        foreach (var key in Keys(userName, client))
        {
            var entry = entries.GetOrAdd(key, _ => new Entry());
            lock (entry)
            {
                if (now - entry.LastFailure > Forget) entry.Failures = 0;
                entry.Failures++;
                entry.LastFailure = now;
                if (entry.Failures > FreeFailures)
                {
                    var seconds = Math.Min(MaxDelay.TotalSeconds, Math.Pow(2, Math.Min(30, entry.Failures - FreeFailures - 1)));
                    entry.LockedUntil = now + TimeSpan.FromSeconds(seconds);
                }
            }
        }
    }

    public void Succeeded(string userName) => entries.TryRemove(UserKey(userName), out _);

    void Prune(DateTimeOffset now)
    {
        foreach (var (key, entry) in entries)
            if (now - entry.LastFailure > Forget && entry.LockedUntil <= now) entries.TryRemove(key, out _);
    }

    static IEnumerable<string> Keys(string userName, string? client)
    {
        yield return UserKey(userName);
        if (!string.IsNullOrEmpty(client)) yield return "address:" + client;
    }

    static string UserKey(string userName) => "user:" + userName.Trim().ToLowerInvariant();

    sealed class Entry
    {
        public int Failures;
        public DateTimeOffset LastFailure = DateTimeOffset.MinValue;
        public DateTimeOffset LockedUntil = DateTimeOffset.MinValue;
    }
}
