using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OmniActors.Lifecycle;
using OmniActors.Silo.Hosting;

namespace OmniActors.Tests.Lifecycle;

/// <summary>The lifecycle stream's settings are handed to Orleans while the silo is built; one out of range stops the start
/// with the options error that names it, before the silo opens a port or a database.</summary>
public sealed class StreamOptionsTests
{
    [Theory]
    [InlineData("OmniActors:EventLog:StreamQueues", "0")]
    [InlineData("OmniActors:EventLog:StreamQueues", "257")]
    [InlineData("OmniActors:EventLog:StreamPollInterval", "00:00:00.001")]
    [InlineData("OmniActors:EventLog:StreamPollInterval", "00:05:00")]
    public async Task A_stream_setting_out_of_range_stops_the_silo_at_start_naming_the_setting(string key, string value)
    {
        var folder = Directory.CreateTempSubdirectory("omni-streamoptions-").FullName;
        try
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                [key] = value,
                ["OmniActors:Storage:SqlitePath"] = Path.Combine(folder, "omni.db"),
            });
            builder.UseOmniActorsSilo();
            using var host = builder.Build();

            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

            Assert.Contains(key[(key.LastIndexOf(':') + 1)..], error.Message, StringComparison.Ordinal);
            Assert.Equal(typeof(EventLogOptions), error.OptionsType);
            Assert.False(File.Exists(Path.Combine(folder, "omni.db")), "nothing was opened before the settings were checked");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
