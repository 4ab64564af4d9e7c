using Orleans.Dashboard;

namespace GrainStream.Silo;

/// <summary>How GrainStream runs the Orleans Dashboard, on silos and on the API that serves its page.</summary>
public static class DashboardDefaults
{
    /// <summary>Hides the dashboard's live log page: it would stream every log line of the silo to
    /// anyone who can reach the page, and the page has no authentication of its own here.</summary>
    public static void Configure(DashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.HideTrace = true;
    }
}
