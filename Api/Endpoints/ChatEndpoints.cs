using GrainStream.Api.Auth;
using GrainStream.Api.Contracts;
using GrainStream.Api.Presence;
using GrainStream.Api.Sse;
using GrainStream.Grains.Chat;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans;

namespace GrainStream.Api.Endpoints;

/// <summary><c>/api/chat</c>: messages, history, summary, read receipts and the room's event stream with presence.</summary>
internal static class ChatEndpoints
{
    public static IEndpointRouteBuilder MapChatEndpoints(this IEndpointRouteBuilder api)
    {
        var rooms = api.MapGroup("/chat/rooms/{room}").WithTags("Chat").RequireTopic("chat", "room");
        rooms.MapPost("/messages", PostMessage).WithSummary("Posts a message; a repeated clientId returns the first message (200).")
            .CallerInBody<PostChatMessageRequest>("author", r => r.Author);
        rooms.MapGet("/messages", GetMessages).WithSummary("Message history, oldest first.");
        rooms.MapGet("", GetSummary).WithSummary("Message count, last id, online users and read receipts.");
        rooms.MapPost("/read", MarkRead).WithSummary("Records a read receipt and emits 'read'.")
            .CallerInBody<MarkReadRequest>("user", r => r.User);
        rooms.MapGet("/events", Events).WithSummary("SSE: message, presence, read. With ?user= the user counts as online while connected.")
            .CallerInQuery("user");
        return api;
    }

    private static async Task<Results<Created<ChatMessage>, Ok<ChatMessage>>> PostMessage(string room, PostChatMessageRequest request, IClusterClient cluster)
    {
        var result = await cluster.GetGrain<IChatRoomGrain>(room).Post(new PostMessageCommand(request.Author!, request.Text!, request.ClientId));
        var message = result.Message;
        return result.Created
            ? TypedResults.Created($"/api/chat/rooms/{room}/messages?after={message.Id - 1}&limit=1", message)
            : TypedResults.Ok(message);
    }

    private static async Task<Ok<IReadOnlyList<ChatMessage>>> GetMessages(string room, [AsParameters] ChatHistoryQuery query, IClusterClient cluster)
        => TypedResults.Ok(await cluster.GetGrain<IChatRoomGrain>(room).GetMessages(query.After, query.Limit ?? ChatHistoryQuery.DefaultLimit));

    private static async Task<Ok<ChatRoomSummary>> GetSummary(string room, IClusterClient cluster)
        => TypedResults.Ok(await cluster.GetGrain<IChatRoomGrain>(room).GetSummary());

    private static async Task<NoContent> MarkRead(string room, MarkReadRequest request, IClusterClient cluster)
    {
        await cluster.GetGrain<IChatRoomGrain>(room).MarkRead(request.User!, request.UpTo!.Value);
        return TypedResults.NoContent();
    }

    private static Results<SseStreamResult, ProblemHttpResult> Events(string room, string? user, HttpRequest request)
    {
        if (!LastEventId.TryReadToken(request, out var after, out var problem)) return problem;
        return new SseStreamResult(
            [new SseSubscription(ChatStreams.Room(room), after)],
            presence: user is null ? null : [new SsePresence(PresenceKind.ChatUser, room, user)]);
    }
}
