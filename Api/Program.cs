using GrainStream.Api.Hosting;

var app = GrainStreamApi.Build(GrainStreamApi.CreateBuilder(args));
app.Run();

/// <summary>The entry point; public so that tests can refer to the application's assembly.</summary>
public partial class Program;
