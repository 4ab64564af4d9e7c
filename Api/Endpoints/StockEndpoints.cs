using GrainStream.Api.Auth;
using GrainStream.Api.Contracts;
using GrainStream.Api.Sse;
using GrainStream.Grains.Stocks;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans;

namespace GrainStream.Api.Endpoints;

/// <summary><c>/api/stocks</c>: quotes, the symbol's summary and its (latest-wins) quote stream.</summary>
internal static class StockEndpoints
{
    public static IEndpointRouteBuilder MapStockEndpoints(this IEndpointRouteBuilder api)
    {
        var symbols = api.MapGroup("/stocks/{symbol}").WithTags("Stocks").RequireTopic("stock", "symbol");
        symbols.MapPost("/quotes", PushQuote).WithSummary("Pushes a quote (price > 0).");
        symbols.MapGet("", GetSummary).WithSummary("Last quote, open, high, low and change.");
        symbols.MapGet("/events", Events).WithSummary("SSE: quote (latest-wins: a slow client skips to the newest).");
        return api;
    }

    private static async Task<Created<StockQuote>> PushQuote(string symbol, PushQuoteRequest request, IClusterClient cluster)
        => TypedResults.Created($"/api/stocks/{symbol}", await cluster.GetGrain<IStockGrain>(symbol).PushQuote(request.Price!.Value, request.Volume));

    private static async Task<Ok<StockSummary>> GetSummary(string symbol, IClusterClient cluster)
        => TypedResults.Ok(await cluster.GetGrain<IStockGrain>(symbol).GetSummary());

    private static Results<SseStreamResult, ProblemHttpResult> Events(string symbol, HttpRequest request)
    {
        if (!LastEventId.TryReadToken(request, out var after, out var problem)) return problem;
        return new SseStreamResult([new SseSubscription(StockStreams.Symbol(symbol), after)]);
    }
}
