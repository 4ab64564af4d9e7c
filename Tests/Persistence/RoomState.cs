namespace GrainStream.Tests.Persistence;

/// <summary>Grain state as a grain would keep it, for the storage tests.</summary>
public sealed class RoomState
{
    public int Messages { get; set; }

    public string? Topic { get; set; }

    public List<string> Members { get; set; } = [];

    public DateTimeOffset? ClosedAt { get; set; }
}
