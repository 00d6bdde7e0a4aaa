var builder = WebApplication.CreateBuilder(args);
builder.AddOmniActors();

var app = builder.Build();
app.MapOmniActors();
app.Run();

/// <summary>The silo's entry point (public for WebApplicationFactory).</summary>
public partial class Program;
