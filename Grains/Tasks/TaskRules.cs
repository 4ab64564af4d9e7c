using System.Text.RegularExpressions;

namespace GrainStream.Grains.Tasks;

/// <summary>The input rules of tasks, in one place; violations are <see cref="ArgumentException"/>s
/// naming the field (the API turns them into 400 problems).</summary>
public static partial class TaskRules
{
    /// <summary>The pattern of a task type; <c>\z</c> rather than <c>$</c>, which would let a final line feed through.</summary>
    public const string TypePattern = @"^[A-Za-z0-9._-]{1,128}\z";

    /// <summary>The fewest attempts a task may have.</summary>
    public const int MinAttempts = 1;

    /// <summary>The most attempts a task may have.</summary>
    public const int MaxAttempts = 100;

    /// <summary>The longest progress message, in characters.</summary>
    public const int MaxProgressMessageLength = 1000;

    /// <summary>The longest error a worker may report, in characters.</summary>
    public const int MaxErrorLength = 4000;

    /// <summary>The shortest lease a worker may claim.</summary>
    public static readonly TimeSpan MinLease = TimeSpan.FromSeconds(1);

    /// <summary>The ceiling of the longest lease a worker may claim (<see cref="TaskOptions.MaxLeaseSeconds"/> is at most this).</summary>
    public static readonly TimeSpan MaxLease = TimeSpan.FromHours(1);

    /// <summary>Throws unless <paramref name="type"/> is a valid task type.</summary>
    public static string RequireType(string? type, string what = "type")
        => type is not null && TypeRegex().IsMatch(type) ? type : throw new ArgumentException($"{what} must match {TypePattern}.", what);

    /// <summary>Throws unless <paramref name="maxAttempts"/> is within 1-100.</summary>
    public static int RequireMaxAttempts(int maxAttempts)
        => maxAttempts is >= MinAttempts and <= MaxAttempts ? maxAttempts : throw new ArgumentException($"maxAttempts must be between {MinAttempts} and {MaxAttempts}.", "maxAttempts");

    /// <summary>Throws unless <paramref name="lease"/> is within 1 s and <paramref name="max"/>
    /// (<c>Tasks:MaxLeaseSeconds</c>), naming the request's field <c>leaseSeconds</c>.</summary>
    public static TimeSpan RequireLease(TimeSpan lease, TimeSpan max)
        => lease >= MinLease && lease <= max ? lease
            : throw new ArgumentException($"leaseSeconds must be between 1 and {(long)max.TotalSeconds} (Tasks:MaxLeaseSeconds).", "leaseSeconds");

    /// <summary>Throws unless <paramref name="percent"/> is within 0-100.</summary>
    public static int RequirePercent(int percent)
        => percent is >= 0 and <= 100 ? percent : throw new ArgumentException("percent must be between 0 and 100.", "percent");

    /// <summary>Throws when the progress message is longer than 1000 characters.</summary>
    public static string? RequireProgressMessage(string? message)
        => message is null || message.Length <= MaxProgressMessageLength ? message : throw new ArgumentException($"message must be at most {MaxProgressMessageLength} characters.", "message");

    /// <summary>Throws unless the error is 1-4000 characters.</summary>
    public static string RequireError(string? error)
        => !string.IsNullOrEmpty(error) && error.Length <= MaxErrorLength ? error : throw new ArgumentException($"error must be 1-{MaxErrorLength} characters.", "error");

    [GeneratedRegex(TypePattern, RegexOptions.CultureInvariant)]
    private static partial Regex TypeRegex();
}
