// appsettings.json is not watched for changes: OmniActors reads its options once, and the watcher covers the whole
// content root, the SQLite default's data/ folder included, so every database write woke it (bench/README.md: about
// 14 % of the silo's CPU per task). First, so that a command line that sets it still wins.
var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
builder.AddOmniActors();

var app = builder.Build();
app.MapOmniActors();
app.Run();

/// <summary>The silo's entry point (public for WebApplicationFactory).</summary>
public partial class Program;
