using Npgsql;
using OmniActors.Storage.Postgres;

namespace OmniActors.Tests.Storage;

public sealed class PostgresAutoPrepareTests
{
    [Fact]
    public void The_task_path_prepares_its_statements_unless_the_connection_string_says()
    {
        var plain = new NpgsqlConnectionStringBuilder(PostgresDataSource.WithAutoPrepare("Host=db;Username=u;Password=p;Database=d"));
        Assert.Equal(PostgresDataSource.AutoPrepared, plain.MaxAutoPrepare);
        Assert.Equal("db", plain.Host);

        var off = new NpgsqlConnectionStringBuilder(PostgresDataSource.WithAutoPrepare("Host=db;Max Auto Prepare=0"));
        Assert.Equal(0, off.MaxAutoPrepare);
        var own = new NpgsqlConnectionStringBuilder(PostgresDataSource.WithAutoPrepare("Host=db;MaxAutoPrepare=5"));
        Assert.Equal(5, own.MaxAutoPrepare);
    }
}
