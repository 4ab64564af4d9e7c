namespace GrainStream.Api.Auth;

/// <summary>What a request does to a topic; each has its own claim.</summary>
public enum TopicAction
{
    /// <summary>Changes the entity or puts events on its stream (every POST): the <c>publish</c> claim.</summary>
    Publish,

    /// <summary>Reads the entity or follows its stream (every GET): the <c>subscribe</c> claim.</summary>
    Subscribe,
}
