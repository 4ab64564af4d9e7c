using System.Security.Cryptography;
using System.Text;

namespace GrainStream.Grains;

/// <summary>Unguessable tokens that prove a caller was handed something (a task's lease, a queue
/// delivery): a name can be reused by anyone, a token only by whoever received it.</summary>
public static class SecretTokens
{
    /// <summary>The longest token accepted from a client; longer input is refused before any comparison.</summary>
    public const int MaxLength = 64;

    /// <summary>A new token: 128 random bits, 32 lowercase hex characters.</summary>
    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>True when <paramref name="presented"/> is <paramref name="expected"/>, compared in
    /// constant time so that the comparison does not tell how much of a guess was right.</summary>
    public static bool Matches(string? presented, string? expected)
        => presented is not null && expected is not null
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));
}
