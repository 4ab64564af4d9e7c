using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Grains.Chat;

/// <summary>Registers what chat rooms need.</summary>
public static class ChatServiceCollectionExtensions
{
    /// <summary>Binds <see cref="ChatOptions"/> from the <c>Chat</c> section and registers the
    /// room state's JSON metadata.</summary>
    public static IServiceCollection AddChatGrains(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ChatOptions>()
            .Bind(configuration.GetSection(ChatOptions.SectionName))
            .Validate(o => o.MessageCacheSize > 0 && o.IdempotencyWindow > 0 && o.HistoryReadBatch > 0 && o.MaxReadReceipts > 0,
                "Chat:MessageCacheSize, Chat:IdempotencyWindow, Chat:HistoryReadBatch and Chat:MaxReadReceipts must be positive.")
            .Validate(o => o.PresenceSweepInterval > TimeSpan.Zero && o.MaxPresenceLease > TimeSpan.Zero, "Chat:PresenceSweepInterval and Chat:MaxPresenceLease must be positive.")
            .ValidateOnStart();
        services.AddGrainStreamJson(ChatStateJsonContext.Default);
        return services;
    }
}
