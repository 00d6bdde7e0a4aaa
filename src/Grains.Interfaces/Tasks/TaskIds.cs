using System.Security.Cryptography;
using System.Text;

namespace OmniActors.Tasks;

/// <summary>How task ids are made. An idempotency key determines its task id, so one grain activation decides.</summary>
public static class TaskIds
{
    /// <summary>Longest accepted idempotency key, in characters.</summary>
    public const int MaxIdempotencyKeyLength = 256;

    /// <summary>A new random, time-ordered id.</summary>
    public static string New() => Guid.CreateVersion7().ToString("N");

    /// <summary>The id of the task that an idempotency key names.</summary>
    public static string FromIdempotencyKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return "k" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    /// <summary>The id a spec will get.</summary>
    public static string For(TaskSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.IdempotencyKey is { } key ? FromIdempotencyKey(key) : New();
    }
}
