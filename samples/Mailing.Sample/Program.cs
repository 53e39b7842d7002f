var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
await app.RunAsync();

/// <summary>The sample's entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
