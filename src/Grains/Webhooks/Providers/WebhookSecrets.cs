using System.Security.Cryptography;
using System.Text;

namespace OmniActors.Webhooks.Providers;

/// <summary>Constant-time comparisons and header reads shared by the providers' verifiers.</summary>
internal static class WebhookSecrets
{
    /// <summary>
    /// True when <paramref name="presented"/> equals <paramref name="expected"/>. Both are hashed first so the
    /// comparison takes the same time whatever the lengths and contents, then compared with
    /// <see cref="CryptographicOperations.FixedTimeEquals"/>.
    /// </summary>
    public static bool TokenEquals(string presented, string expected)
    {
        Span<byte> left = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> right = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), left);
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), right);
        return CryptographicOperations.FixedTimeEquals(left, right);
    }

    /// <summary>The value of header <paramref name="name"/>, by case-insensitive name, or null.</summary>
    public static string? Header(this WebhookRequest request, string name)
    {
        if (request.Headers.TryGetValue(name, out var value))
        {
            return value;
        }
        foreach (var (key, candidate) in request.Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>Decodes hex (either case) into <paramref name="destination"/>; false on a wrong length or a non-hex digit.</summary>
    public static bool TryDecodeHex(ReadOnlySpan<char> hex, Span<byte> destination)
    {
        if (hex.Length != destination.Length * 2)
        {
            return false;
        }
        return Convert.FromHexString(hex, destination, out var consumed, out var written) == System.Buffers.OperationStatus.Done
            && consumed == hex.Length && written == destination.Length;
    }
}
