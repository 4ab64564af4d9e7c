using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace GrainStream.Grains;

/// <summary>The rule for entity keys (room, symbol, queue, log name, consumer, user): 1-128 of
/// <c>A-Z a-z 0-9 . _ -</c>, and never <c>.</c> or <c>..</c>.</summary>
public static partial class EntityKey
{
    /// <summary>The pattern, for documentation and OpenAPI. Ends with <c>\z</c>, not <c>$</c>: in .NET
    /// <c>$</c> also matches before a final line feed, so <c>alice\n</c> would pass.</summary>
    public const string Pattern = @"^[A-Za-z0-9._-]{1,128}\z";

    /// <summary>The longest key, in characters.</summary>
    public const int MaxLength = 128;

    /// <summary>True when <paramref name="key"/> is a valid key.</summary>
    public static bool IsValid([NotNullWhen(true)] string? key) => key is not null && key is not "." and not ".." && KeyRegex().IsMatch(key);

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="what"/> when the key is invalid.</summary>
    public static string Require(string? key, string what)
        => IsValid(key) ? key : throw new ArgumentException($"{what} must match {Pattern} and not be '.' or '..'.", what);

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex KeyRegex();
}
