namespace OmniActors.Bench;

/// <summary>The PostgreSQL server the benches use: <c>OMNI_BENCH_POSTGRES</c> (an Npgsql connection string for a user that
/// may create databases), or the local <c>omni</c> user that test.sh prepares. Shared by the silo bench and the store bench.</summary>
internal static class BenchPostgres
{
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("OMNI_BENCH_POSTGRES") ?? "Host=127.0.0.1;Port=5432;Username=omni;Password=omni;Database=omni";
}
