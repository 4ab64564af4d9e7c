using Microsoft.Extensions.Logging;

namespace GrainStream.Grains;

/// <summary>How the platform's grains store their state.</summary>
internal static class PersistentStateWrites
{
    /// <summary>Stores <paramref name="state"/>, or, when <paramref name="isEmpty"/>, removes its
    /// record instead of writing an empty one (and writes nothing when there is none), so that an
    /// entity with nothing to keep leaves no row behind. Failures as <see cref="WriteOrReloadAsync"/>.</summary>
    public static async Task WriteOrClearAsync<T>(this IPersistentState<T> state, bool isEmpty, Action deactivateOnIdle, ILogger logger, string entity) where T : new()
    {
        if (!isEmpty)
        {
            await state.WriteOrReloadAsync(deactivateOnIdle, logger, entity);
            return;
        }
        if (state.RecordExists) await StoreOrReloadAsync(state.ClearStateAsync, "Clearing", deactivateOnIdle, logger, entity);
    }

    /// <summary>Writes <paramref name="state"/>. When the write fails, the activation's memory no
    /// longer matches storage, so it is deactivated (the next call reloads from storage) and the
    /// failure goes on to the caller.</summary>
    public static Task WriteOrReloadAsync<T>(this IPersistentState<T> state, Action deactivateOnIdle, ILogger logger, string entity) where T : new()
        => StoreOrReloadAsync(state.WriteStateAsync, "Storing", deactivateOnIdle, logger, entity);

    private static async Task StoreOrReloadAsync(Func<Task> store, string what, Action deactivateOnIdle, ILogger logger, string entity)
    {
        try
        {
            await store();
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "{What} {Entity} failed; the activation will reload it", what, entity);
            deactivateOnIdle();
            throw;
        }
    }
}
