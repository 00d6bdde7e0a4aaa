using OmniActors.Silo.Api;

// In the ASP.NET Core builder namespace, beside MapGet and friends: an app finds MapOmniActors without a using.
namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps OmniActors' HTTP surface in an app that called <c>builder.AddOmniActors()</c>.</summary>
public static class OmniActorsEndpointExtensions
{
    /// <summary>Maps the REST API (<c>/api</c>), webhooks, the dashboards, <c>/metrics</c>, <c>/health/live</c> and <c>/health/ready</c>.</summary>
    public static WebApplication MapOmniActors(this WebApplication app) => app.MapOmniActorsApi();
}
