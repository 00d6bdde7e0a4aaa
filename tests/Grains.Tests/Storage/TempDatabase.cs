using System.Data.Common;
using OmniActors.Storage;

namespace OmniActors.Tests.Storage;

/// <summary>
/// A throwaway database the storage tests own, for checking rows directly. Providers supply the connection, the
/// schema dialect and how the database goes away.
/// </summary>
public abstract class TempDatabase : Support.ITestDatabase, IAsyncDisposable
{
    public abstract string ConnectionString { get; }

    /// <summary>The <see cref="SchemaInstaller"/> dialect ("sqlite", "postgresql").</summary>
    public abstract string Dialect { get; }

    /// <summary>Applies our scripts; returns the names applied.</summary>
    public virtual async Task<IReadOnlyList<string>> ApplySchemaAsync()
    {
        await using var connection = await OpenConnectionAsync();
        return await SchemaInstaller.ApplyAsync(connection, Dialect);
    }

    /// <summary>Runs a query and returns the first column of the first row (null when there is none).</summary>
    public async Task<object?> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenConnectionAsync();
        await using var command = Command(connection, sql, parameters);
        var result = await command.ExecuteScalarAsync();
        return result is DBNull ? null : result;
    }

    /// <summary>Runs statements (one or many) and returns the rows they changed.</summary>
    public async Task<int> ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenConnectionAsync();
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a query and returns every row as an array of column values.</summary>
    public async Task<IReadOnlyList<object?[]>> RowsAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenConnectionAsync();
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }
            rows.Add(row);
        }
        return rows;
    }

    public abstract ValueTask DisposeAsync();

    /// <summary>An open connection to the database.</summary>
    protected abstract Task<DbConnection> OpenConnectionAsync();

    private static DbCommand Command(DbConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return command;
    }
}
