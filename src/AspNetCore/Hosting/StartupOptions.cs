using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace OmniActors.Silo.Hosting;

/// <summary>
/// Options read from configuration while the host is still being built (before the options pipeline exists, so
/// <c>ValidateDataAnnotations</c> cannot check them): bound and checked here, so a bad value stops the start with the
/// setting's name instead of reaching Orleans or an exporter.
/// </summary>
internal static class StartupOptions
{
    /// <summary>The section bound to <typeparamref name="T"/> (defaults when absent), its data annotations checked.</summary>
    public static T Read<T>(IConfiguration configuration, string section) where T : class, new()
    {
        var options = configuration.GetSection(section).Get<T>() ?? new T();
        Validate(options, section);
        return options;
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every data annotation <paramref name="options"/> breaks.</summary>
    private static void Validate<T>(T options, string section) where T : class
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            throw new OptionsValidationException(section, typeof(T), results.Select(r => r.ErrorMessage ?? "invalid"));
        }
    }
}
