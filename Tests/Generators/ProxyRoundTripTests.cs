using System.Buffers;
using System.Text;
using System.Text.Json;
using GrainStream.Invocation;
using GrainStream.Serialization;
using Xunit;

namespace GrainStream.Tests.Generators;

/// <summary>The generated proxy, invokables and manifest work together: a call on a proxy becomes
/// an invokable whose arguments survive JSON and which runs the method on the grain.</summary>
public sealed class ProxyRoundTripTests
{
    private static readonly GrainSerializer Serializer = new([]);
    private static readonly Lazy<GeneratorRun> ChatRoom = new(() => GeneratorHarness.Run(Samples.ChatRoom).AssertCompilesCleanly());

    private readonly LoadedAssembly _loaded = ChatRoom.Value.Load();
    private readonly GrainManifestBuilder _manifest;
    private readonly Type _chatRoom;
    private readonly GrainInterfaceDescriptor _descriptor;
    private readonly CapturingCallRuntime _runtime = new();
    private readonly GrainReference _proxy;

    public ProxyRoundTripTests()
    {
        _manifest = _loaded.Manifest();
        _chatRoom = _loaded.Type("Sample.IChatRoom");
        _descriptor = _manifest.Interfaces.Single(d => d.InterfaceType == _chatRoom);
        _proxy = _descriptor.ProxyFactory!(new GrainId("chatroom", "lobby"), _runtime);
    }

    [Fact]
    public async Task Proxy_call_round_trips_its_arguments_and_invokes_the_grain()
    {
        _runtime.Reply = 42;
        var message = JsonSerializer.Deserialize("""{"text":"hello","mentions":["bob","cy"]}""", _loaded.Type("Sample.Message"), Serializer.Options);

        var returned = (Task<int>)Reflect.Call(_proxy, _chatRoom, "Post", "ann", message, new[] { 1, 2, 3 })!;

        Assert.Equal(42, await returned);
        Assert.Same(_proxy, _runtime.Target);
        var sent = _runtime.Captured!;
        Assert.Equal("Sample.IChatRoom.Post", sent.ToString());

        var json = Write(sent);
        Assert.Equal("""["ann",{"text":"hello","mentions":["bob","cy"]},[1,2,3]]""", json);

        var received = _descriptor.Methods[sent.MethodId]();
        Assert.Equal(sent.GetType(), received.GetType());
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        received.ReadArguments(ref reader, Serializer);
        Assert.False(reader.Read());

        var completion = await InvokeOnNewGrain(received);
        Assert.True(completion.Completed);
        Assert.Equal(3 * 1000 + 5 * 100 + 2 * 10 + 6, completion.Result);
    }

    [Fact]
    public void Interface_and_method_ids_are_the_stable_hash_and_the_declaration_order()
    {
        var expectedId = StableHash.Fnv1a32(_chatRoom.FullName!);
        Assert.Equal(expectedId, StableHash.Fnv1a32("Sample.IChatRoom"));
        Assert.Equal(expectedId, _descriptor.InterfaceId);
        Assert.Equal("Sample.IChatRoom", _descriptor.InterfaceName);

        string[] names = ["Post", "Clear", "Topic", "Touch", "Fail"];
        Assert.Equal(names.Length, _descriptor.Methods.Count);
        for (var id = 0; id < names.Length; id++)
        {
            var invokable = _descriptor.Methods[id]();
            Assert.Equal(id, invokable.MethodId);
            Assert.Equal(names[id], invokable.MethodName);
            Assert.Equal(expectedId, invokable.InterfaceId);
            Assert.Equal("Sample.IChatRoom", invokable.InterfaceName);
        }
    }

    [Fact]
    public async Task Task_method_completes_with_NoResult_after_the_grain_finishes()
    {
        var returned = (Task)Reflect.Call(_proxy, _chatRoom, "Clear")!;
        await returned;
        var sent = Assert.IsAssignableFrom<Invokable<NoResult>>(_runtime.Captured);

        var (completion, grain) = await InvokeOnNewGrainWithInstance(RoundTrip(sent));

        Assert.True(completion.Completed);
        Assert.Equal(typeof(NoResult), completion.ResultType);
        Assert.Equal(1, Reflect.Property(grain, "Cleared"));
    }

    [Fact]
    public async Task ValueTask_of_nullable_string_passes_values_and_nulls_both_ways()
    {
        _runtime.Reply = "reply";
        Assert.Equal("reply", await (ValueTask<string?>)Reflect.Call(_proxy, _chatRoom, "Topic", "pre-")!);
        var completion = await InvokeOnNewGrain(RoundTrip(_runtime.Captured!));
        Assert.Equal("pre-topic", completion.Result);

        _runtime.Reply = null;
        Assert.Null(await (ValueTask<string?>)Reflect.Call(_proxy, _chatRoom, "Topic", [null])!);
        Assert.Equal("[null]", Write(_runtime.Captured!));
        completion = await InvokeOnNewGrain(RoundTrip(_runtime.Captured!));
        Assert.True(completion.Completed);
        Assert.Null(completion.Result);
    }

    [Fact]
    public async Task ValueTask_method_with_a_keyword_parameter_reaches_the_grain()
    {
        await (ValueTask)Reflect.Call(_proxy, _chatRoom, "Touch", 7)!;

        var (completion, grain) = await InvokeOnNewGrainWithInstance(RoundTrip(_runtime.Captured!));

        Assert.Equal(typeof(NoResult), completion.ResultType);
        Assert.Equal(7, Reflect.Property(grain, "Touched"));
    }

    [Fact]
    public async Task Exception_thrown_by_the_grain_reaches_the_completion()
    {
        _ = Reflect.Call(_proxy, _chatRoom, "Fail");

        var completion = await InvokeOnNewGrain(RoundTrip(_runtime.Captured!));

        Assert.False(completion.Completed);
        Assert.Equal("boom", Assert.IsType<InvalidOperationException>(completion.Exception).Message);
    }

    [Fact]
    public void ReadArguments_accepts_a_reader_on_the_property_before_the_array_and_stops_at_its_end()
    {
        var invokable = _descriptor.Methods[0]();
        var reader = new Utf8JsonReader("""{"args":["ann",{"text":"t","mentions":[]},[4]],"after":1}"""u8);
        reader.Read();
        reader.Read();
        Assert.Equal(JsonTokenType.PropertyName, reader.TokenType);

        invokable.ReadArguments(ref reader, Serializer);

        Assert.Equal(JsonTokenType.EndArray, reader.TokenType);
        Assert.True(reader.Read());
        Assert.Equal("after", reader.GetString());
        Assert.Equal("ann", Reflect.Field(invokable, "Arg0"));
        Assert.Equal(new[] { 4 }, Reflect.Field(invokable, "Arg2"));
    }

    [Theory]
    [InlineData("""["ann"]""", "Sample.IChatRoom.Post takes 3 argument(s) but the JSON array has 1.")]
    [InlineData("""[]""", "Sample.IChatRoom.Post takes 3 argument(s) but the JSON array has 0.")]
    [InlineData("""["ann",{"text":"t","mentions":[]},[],4]""", "Sample.IChatRoom.Post takes 3 argument(s) but the JSON array has more.")]
    [InlineData("""{"text":"t"}""", "The arguments of Sample.IChatRoom.Post must be a JSON array.")]
    public void ReadArguments_rejects_json_that_does_not_match_the_parameters(string json, string message)
    {
        var invokable = _descriptor.Methods[0]();

        var exception = Assert.Throws<JsonException>(() =>
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
            invokable.ReadArguments(ref reader, Serializer);
        });

        Assert.Equal(message, exception.Message);
    }

    [Fact]
    public void CopyArguments_copies_mutable_arguments_and_shares_immutable_ones()
    {
        var message = JsonSerializer.Deserialize("""{"text":"hello","mentions":["bob"]}""", _loaded.Type("Sample.Message"), Serializer.Options)!;
        var tags = new[] { 1, 2 };
        var author = new string('a', 3);
        _ = Reflect.Call(_proxy, _chatRoom, "Post", author, message, tags);
        var sent = _runtime.Captured!;

        sent.CopyArguments(Serializer);

        Assert.Same(author, Reflect.Field(sent, "Arg0"));
        Assert.NotSame(message, Reflect.Field(sent, "Arg1"));
        Assert.NotSame(tags, Reflect.Field(sent, "Arg2"));
        Assert.Equal(tags, Reflect.Field(sent, "Arg2"));
        Assert.Equal("""["aaa",{"text":"hello","mentions":["bob"]},[1,2]]""", Write(sent));
    }

    private static string Write(Invokable invokable)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) invokable.WriteArguments(writer, Serializer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A fresh invokable filled from the JSON of <paramref name="sent"/>, as a receiving silo makes it.</summary>
    private Invokable RoundTrip(Invokable sent)
    {
        var received = _descriptor.Methods[sent.MethodId]();
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(Write(sent)));
        received.ReadArguments(ref reader, Serializer);
        return received;
    }

    private async Task<RecordingCompletion> InvokeOnNewGrain(Invokable invokable) => (await InvokeOnNewGrainWithInstance(invokable)).Completion;

    private async Task<(RecordingCompletion Completion, Grain Grain)> InvokeOnNewGrainWithInstance(Invokable invokable)
    {
        var grain = _manifest.GrainClasses.Single(c => c.GrainType == "chatroomsample").Factory(new FakeActivationContext());
        var completion = new RecordingCompletion();
        await invokable.InvokeAsync(grain, completion);
        return (completion, grain);
    }
}
