using OmniActors.Tests.Storage;

namespace OmniActors.Tests.Support;

/// <summary>
/// The real silo app behind a TestServer on a SQLite file in a temp folder, for the task API's HTTP tests.
/// </summary>
public sealed class SiloApiFactory() : SiloAppFactory(new TempSqliteFile(), "test-key");
