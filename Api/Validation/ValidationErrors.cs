using GrainStream.Grains;

namespace GrainStream.Api.Validation;

/// <summary>A request body or query that validates itself; <see cref="RequestValidationFilter"/> runs it.</summary>
internal interface IValidatedRequest
{
    /// <summary>Adds what is wrong to <paramref name="errors"/>.</summary>
    void Validate(ValidationErrors errors);
}

/// <summary>What is wrong with a request, by field (camelCase, as in the JSON); the small checks
/// every request validator is made of.</summary>
internal sealed class ValidationErrors
{
    // Created with the first error: every valid request would otherwise allocate one for nothing.
    private Dictionary<string, List<string>>? _errors;

    public bool IsEmpty => _errors is null;

    public void Add(string field, string message)
    {
        _errors ??= new(StringComparer.Ordinal);
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
    }

    public Dictionary<string, string[]> ToDictionary()
        => _errors?.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal) ?? new(StringComparer.Ordinal);

    /// <summary>Text of 1 to <paramref name="maxLength"/> characters (required) or absent (optional).</summary>
    public void Text(string field, string? value, int maxLength, bool required = true)
    {
        if (value is null)
        {
            if (required) Add(field, $"'{field}' is required.");
            return;
        }
        if (value.Length == 0 || value.Length > maxLength) Add(field, $"'{field}' must be 1 to {maxLength} characters.");
    }

    /// <summary>An entity key (<see cref="EntityKey.Pattern"/>).</summary>
    public void Key(string field, string? value, bool required = true)
    {
        if (value is null)
        {
            if (required) Add(field, $"'{field}' is required.");
            return;
        }
        if (!EntityKey.IsValid(value)) Add(field, $"'{field}' must match {EntityKey.Pattern} and not be '.' or '..'.");
    }

    /// <summary>A number within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public void Range(string field, long? value, long min, long max, bool required = false)
    {
        if (value is null)
        {
            if (required) Add(field, $"'{field}' is required.");
            return;
        }
        if (value < min || value > max) Add(field, $"'{field}' must be between {min} and {max}.");
    }
}
