namespace GrainStream.Grains.Chat;

/// <summary>The rules for what a chat room accepts; each violation is an
/// <see cref="ArgumentException"/> naming the field (the API answers 400).</summary>
internal static class ChatInput
{
    /// <summary>Longest client id.</summary>
    public const int MaxClientIdLength = 128;

    /// <summary>Largest history page.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>The author, trimmed: 1-64 characters, not blank, no control characters.</summary>
    public static string Author(string? author)
    {
        var trimmed = author?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > ChatStreams.MaxAuthorLength)
        {
            throw new ArgumentException($"author must be 1-{ChatStreams.MaxAuthorLength} characters and not blank.", nameof(author));
        }
        if (trimmed.Any(char.IsControl)) throw new ArgumentException("author must not contain control characters.", nameof(author));
        return trimmed;
    }

    /// <summary>The text as given: 1-4,000 characters (UTF-16 code units), not blank; newlines allowed.</summary>
    public static string Text(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > ChatStreams.MaxTextLength)
        {
            throw new ArgumentException($"text must be 1-{ChatStreams.MaxTextLength} characters and not blank.", nameof(text));
        }
        return text;
    }

    /// <summary>The optional client id: null, or 1-128 characters and not blank.</summary>
    public static string? ClientId(string? clientId)
    {
        if (clientId is null) return null;
        if (string.IsNullOrWhiteSpace(clientId) || clientId.Length > MaxClientIdLength)
        {
            throw new ArgumentException($"clientId, when given, must be 1-{MaxClientIdLength} characters and not blank.", nameof(clientId));
        }
        return clientId;
    }

    /// <summary>A history page request: <paramref name="after"/> null or ≥ 0, <paramref name="limit"/> 1-1000.</summary>
    public static void Page(long? after, int limit)
    {
        if (after < 0) throw new ArgumentException("after must be a message id (≥ 0).", nameof(after));
        if (limit is < 1 or > MaxPageSize) throw new ArgumentException($"limit must be 1-{MaxPageSize}.", nameof(limit));
    }
}
