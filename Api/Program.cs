using GrainStream.Api.Hosting;

var app = GrainStreamApi.Build(GrainStreamApi.CreateBuilder(args));
try
{
    await app.RunAsync();
    return 0;
}
catch (Exception exception)
{
    // The host has logged it with its stack (a data directory that cannot be created, a port in
    // use): end with one line and a failure code rather than an unhandled-exception abort.
    Console.Error.WriteLine($"GrainStream.Api could not run: {exception.Message}");
    return 1;
}

/// <summary>The entry point; public so that tests can refer to the application's assembly.</summary>
public partial class Program;
