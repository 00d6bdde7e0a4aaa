using OmniActors.Tests.Support;

namespace OmniActors.Tests.Http;

/// <summary>One silo app shared by the HTTP tests; each test keys its work by its own queue names and task ids.</summary>
[CollectionDefinition(Name)]
public sealed class SiloApiCollection : ICollectionFixture<SiloApiFactory>
{
    public const string Name = "silo api";
}
