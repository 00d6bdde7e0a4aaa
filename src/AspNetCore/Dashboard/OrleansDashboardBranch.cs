using Orleans.Dashboard;

namespace OmniActors.Silo.Dashboard;

/// <summary>
/// Mounts the Orleans cluster dashboard under a path, built on its first request instead of at start.
/// <c>MapOrleansDashboard</c> resolves the dashboard's asset provider at once, and that provider reads every resource
/// of <c>Orleans.Dashboard.dll</c> (a 17 MB assembly, most of it a source map) into arrays and gzips each: measured
/// ~38 MB of large-object heap plus ~17 MB of the assembly's pages, about 55 MB of an idle silo's 230 MB, held for
/// the process's life by a page most silos never serve. So its endpoints live in a branch of their own, routed and
/// mapped when a request under the path first arrives.
/// </summary>
internal static class OrleansDashboardBranch
{
    /// <summary>Serves <paramref name="path"/> (and below) from the Orleans dashboard, mapped on first use.</summary>
    public static IApplicationBuilder UseOrleansDashboardOnDemand(this IApplicationBuilder app, PathString path)
    {
        ArgumentNullException.ThrowIfNull(app);
        var services = app.ApplicationServices;
        var branch = new Lazy<RequestDelegate>(() =>
        {
            // A builder of its own, not app.New(): that copies the app's global route builder, and endpoints added to it
            // after start would not be routed. Here UseRouting makes a private route table for the dashboard alone.
            var dashboard = new ApplicationBuilder(services);
            dashboard.UseRouting();
            dashboard.UseEndpoints(endpoints => endpoints.MapOrleansDashboard(path));
            return dashboard.Build();
        }, LazyThreadSafetyMode.ExecutionAndPublication);
        return app.Use((context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(path))
            {
                return next(context);
            }
            // The app's routing found no endpoint here (none is mapped under the path); the branch routes it afresh.
            context.SetEndpoint(null);
            return branch.Value(context);
        });
    }
}
