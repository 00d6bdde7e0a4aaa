namespace OmniActors.Silo.Dashboard;

/// <summary>Queue dashboard settings (<c>OmniActors:Dashboard</c>).</summary>
public sealed class DashboardOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "OmniActors:Dashboard";

    /// <summary>How long a dashboard login lasts before the operator must enter the key again.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// Folder for the ASP.NET Core Data Protection keys that seal the session cookie. Unset (the default), the keys live
    /// in the cluster's database (<c>omni_dataprotection_keys</c>), which every silo shares; set, silos behind one load
    /// balancer must share the folder (a volume), or a cookie issued by one silo is refused by the others.
    /// </summary>
    public string? KeysPath { get; set; }

    /// <summary>Login attempts one client address may make per minute; more are answered 429.</summary>
    public int LoginAttemptsPerMinute { get; set; } = 20;
}
