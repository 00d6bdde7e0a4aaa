using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Npgsql;
using OmniActors.Tests.Shared;

namespace OmniActors.Tests.Support;

/// <summary>
/// A PostgreSQL server of the test's own: <c>initdb</c> into a temp folder, started with <c>pg_ctl</c> on a free
/// port (TCP on 127.0.0.1, its socket in that folder), trust authentication. A test may stop and start it (an
/// outage) without disturbing the shared server other test projects use. Run as the <c>postgres</c> OS user when
/// the tests run as root, since PostgreSQL refuses to run as root. Stopped and deleted on dispose.
/// </summary>
public sealed class PrivatePostgres : IAsyncLifetime
{
    /// <summary>The role the silos log in as (owner of every test database).</summary>
    public const string SiloRole = "omni";

    private static readonly bool RunningAsRoot = OperatingSystem.IsLinux() && Environment.UserName == "root";
    private int _databases;

    /// <summary>The folder holding the data directory, the socket and the server log.</summary>
    public string Folder { get; private set; } = "";

    /// <summary>The PostgreSQL <c>bin</c> folder used (the highest version installed).</summary>
    public string BinDirectory { get; private set; } = "";

    /// <summary>The TCP port it listens on (127.0.0.1).</summary>
    public int Port { get; private set; }

    /// <summary>The server's own log.</summary>
    public string LogPath => Path.Combine(Folder, "postgres.log");

    private string DataDirectory => Path.Combine(Folder, "data");

    /// <summary>True between a start and a stop.</summary>
    public bool IsRunning { get; private set; }

    public async Task InitializeAsync()
    {
        BinDirectory = FindBinDirectory();
        Folder = Directory.CreateTempSubdirectory("omni-pg-").FullName;
        Port = LoopbackPorts.One();
        try
        {
            if (RunningAsRoot)
            {
                await RunAsync("chown", ["-R", "postgres:postgres", Folder], asPostgres: false);
            }
            await RunAsync(Path.Combine(BinDirectory, "initdb"),
                ["-D", DataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"]);
            await StartAsync();
            await using var connection = await OpenAsync("postgres");
            await ExecuteAsync(connection, $"CREATE ROLE {SiloRole} LOGIN CREATEDB");
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        // pg_ctl passes -o through a shell: the folder is a temp path without spaces.
        var options = string.Join(' ',
            $"-p {Port.ToString(CultureInfo.InvariantCulture)}",
            $"-k {Folder}",
            "-c listen_addresses=127.0.0.1",
            // Three silos with a pool each, the test's own connections and headroom.
            "-c max_connections=300",
            "-c shared_buffers=64MB");
        await RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-l", LogPath, "-o", options, "-w", "-t", "60", "start"]);
        IsRunning = true;
    }

    /// <summary>Stops the server: <c>fast</c> disconnects every client and shuts down cleanly; <c>immediate</c> aborts.</summary>
    public async Task StopAsync(string mode = "fast")
    {
        await RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", mode, "-w", "-t", "60", "stop"]);
        IsRunning = false;
    }

    /// <summary>A fresh database owned by <see cref="SiloRole"/>, named after <paramref name="prefix"/>.</summary>
    public async Task<ClusterDatabase> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases).ToString(CultureInfo.InvariantCulture)}".ToLowerInvariant();
        await using (var connection = await OpenAsync("postgres"))
        {
            await ExecuteAsync(connection, $"CREATE DATABASE {name} OWNER {SiloRole}");
        }
        return new ClusterDatabase(this, name);
    }

    /// <summary>The connection string of <paramref name="database"/> as <paramref name="user"/>.</summary>
    public string ConnectionString(string database, string user, bool pooling, int maxPoolSize = 40) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = user,
            Database = database,
            Pooling = pooling,
            MaxPoolSize = maxPoolSize,
        }.ConnectionString;

    /// <summary>Runs a SQL file with <c>psql</c> in one transaction, stopping on the first error, as an operator would.</summary>
    public async Task<string> RunPsqlFileAsync(string database, string file) =>
        await RunAsync(Path.Combine(BinDirectory, "psql"),
            ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", SiloRole, "-d", database,
             "-v", "ON_ERROR_STOP=1", "--single-transaction", "-q", "-f", file], asPostgres: false);

    /// <summary>The last lines of the server log.</summary>
    public string LogTail(int lines = 40)
    {
        if (!File.Exists(LogPath))
        {
            return $"--- no PostgreSQL log at {LogPath}";
        }
        using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        return $"--- tail of {LogPath}:\n" + string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(lines));
    }

    public async Task DisposeAsync()
    {
        if (IsRunning)
        {
            try
            {
                await StopAsync("immediate");
            }
            catch (InvalidOperationException)
            {
                // Already gone: the folder is deleted below anyway.
            }
        }
        if (Folder.Length > 0)
        {
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: the folder is under the temp directory.
            }
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var connection = new NpgsqlConnection(ConnectionString(database, "postgres", pooling: false));
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>The <c>bin</c> folder of the highest PostgreSQL version installed the Debian way; fails the test when there is none.</summary>
    private static string FindBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        var versions = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => (Dir: d, Version: ParseVersion(Path.GetFileName(d))))
                .Where(d => d.Version is not null && File.Exists(Path.Combine(d.Dir, "bin", "postgres")) && File.Exists(Path.Combine(d.Dir, "bin", "initdb")))
                .OrderByDescending(d => d.Version)
                .ToList()
            : [];
        return versions.Count > 0
            ? Path.Combine(versions[0].Dir, "bin")
            : throw new InvalidOperationException(
                $"PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found under {root}/<version>/bin. " +
                "The cluster-mode process tests start a private PostgreSQL server and cannot run without them: " +
                "run ./test.sh (it installs the postgresql package) or apt-get install postgresql.");
    }

    // Debian names the folders by major version: "16", or "9.6" before PostgreSQL 10.
    private static Version? ParseVersion(string name) =>
        Version.TryParse(name.Contains('.', StringComparison.Ordinal) ? name : name + ".0", out var version) ? version : null;

    /// <summary>Runs a PostgreSQL tool (as the postgres user when we are root); returns its output, throws with it on a non-zero exit.</summary>
    private static async Task<string> RunAsync(string fileName, IReadOnlyList<string> arguments, bool asPostgres = true)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // pg_ctl and initdb complain when the working folder is one the postgres user may not enter.
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asPostgres && RunningAsRoot)
        {
            start.FileName = "runuser";
            foreach (var a in new[] { "-u", "postgres", "--", fileName })
            {
                start.ArgumentList.Add(a);
            }
        }
        else
        {
            start.FileName = fileName;
        }
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within 120 s.");
        }
        output.Append(await stdout).Append(await stderr);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{output}");
        }
        return output.ToString();
    }
}
