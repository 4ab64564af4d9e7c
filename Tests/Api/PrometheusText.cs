using System.Globalization;

namespace GrainStream.Tests.Api;

/// <summary>A scrape of <c>/metrics</c> in Prometheus' text format, read just enough for tests.</summary>
public sealed class PrometheusText(string text)
{
    public string Text { get; } = text;

    public static async Task<PrometheusText> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /metrics: {(int)response.StatusCode} {text}");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return new PrometheusText(text);
    }

    /// <summary>The samples (not comments) whose metric name starts with <paramref name="prefix"/>.</summary>
    public IEnumerable<string> Samples(string prefix)
        => Text.Split('\n').Where(line => line.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>The value of the one sample of <paramref name="name"/> (labels aside), or null when absent.</summary>
    public double? Value(string name)
    {
        var sample = Samples(name).SingleOrDefault(line => line.Length > name.Length && line[name.Length] is '{' or ' ');
        if (sample is null) return null;
        // "name{labels} value [timestamp]": the value follows the closing brace.
        var afterLabels = sample[(sample.LastIndexOf('}') + 1)..].Trim().Split(' ');
        return double.Parse(afterLabels[0], CultureInfo.InvariantCulture);
    }
}
