using Microsoft.Extensions.Logging;

namespace GrainStream.Grains;

/// <summary>How the platform's grains store their state.</summary>
internal static class PersistentStateWrites
{
    /// <summary>Writes <paramref name="state"/>. When the write fails, the activation's memory no
    /// longer matches storage, so it is deactivated (the next call reloads from storage) and the
    /// failure goes on to the caller.</summary>
    public static async Task WriteOrReloadAsync<T>(this IPersistentState<T> state, Action deactivateOnIdle, ILogger logger, string entity) where T : new()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Storing {Entity} failed; the activation will reload it", entity);
            deactivateOnIdle();
            throw;
        }
    }
}
