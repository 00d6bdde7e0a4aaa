using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace OmniActors.Storage.Postgres;

/// <summary>
/// The task table on PostgreSQL. A group of writes goes out as one <see cref="NpgsqlBatch"/> inside one
/// transaction: one network round trip and one commit (one WAL flush) for the whole group.
/// </summary>
internal sealed class PostgresTaskStore : SqlTaskStore
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresTaskStore(PostgresDataSource dataSource, IOptions<StorageOptions> options, ILogger<PostgresTaskStore> logger)
        : base(options.Value.MaxBatchSize, logger)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource.Source;
    }

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    protected override async Task CommitBatchAsync(IReadOnlyList<PendingWrite> batch)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var commands = new NpgsqlBatch(connection, tx);
        foreach (var w in batch)
        {
            var cmd = new NpgsqlBatchCommand(StatementFor(w));
            BindWrite(w, (name, value) => cmd.Parameters.AddWithValue(name, value));
            commands.BatchCommands.Add(cmd);
        }
        await commands.ExecuteNonQueryAsync();
        for (var i = 0; i < batch.Count; i++)
        {
            Settle(batch[i], commands.BatchCommands[i].RecordsAffected);
        }
        await tx.CommitAsync();
    }
}

/// <summary>The process-wide Npgsql data source (connection pool) for the configured database.</summary>
internal sealed class PostgresDataSource : IAsyncDisposable
{
    public PostgresDataSource(IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Source = NpgsqlDataSource.Create(options.Value.ConnectionString
            ?? throw new InvalidOperationException($"{StorageOptions.Section}:ConnectionString is required for PostgreSql."));
    }

    public NpgsqlDataSource Source { get; }

    public ValueTask DisposeAsync() => Source.DisposeAsync();
}
