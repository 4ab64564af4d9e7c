namespace GrainStream.Tests.Generators;

/// <summary>Grain sources shared by several tests.</summary>
internal static class Samples
{
    /// <summary>One grain interface using every return shape, with a grain class whose results
    /// depend on every argument, so a wrong argument shows in the result.</summary>
    /// <remarks>Grain types of loaded samples end in "sample": the runtime's registry sees every
    /// loaded assembly, and these must not clash with the runtime tests' grains.</remarks>
    public const string ChatRoom = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading.Tasks;
        using GrainStream;

        namespace Sample;

        public sealed class Message
        {
            public string Text { get; set; } = "";
            public List<string> Mentions { get; set; } = new();
        }

        public interface IChatRoom : IGrainWithStringKey
        {
            Task<int> Post(string author, Message message, int[] tags);
            Task Clear();
            [ReadOnly] ValueTask<string?> Topic(string? prefix);
            ValueTask Touch(int @class);
            Task<string> Fail();
        }

        public sealed class ChatRoomSampleGrain : Grain, IChatRoom
        {
            public int Cleared { get; private set; }
            public int Touched { get; private set; }

            public Task<int> Post(string author, Message message, int[] tags)
                => Task.FromResult(author.Length * 1000 + message.Text.Length * 100 + message.Mentions.Count * 10 + tags.Sum());

            public async Task Clear()
            {
                await Task.Yield();
                Cleared++;
            }

            public ValueTask<string?> Topic(string? prefix) => new(prefix is null ? null : prefix + "topic");

            public ValueTask Touch(int @class)
            {
                Touched += @class;
                return ValueTask.CompletedTask;
            }

            public Task<string> Fail() => throw new InvalidOperationException("boom");
        }
        """;
}
