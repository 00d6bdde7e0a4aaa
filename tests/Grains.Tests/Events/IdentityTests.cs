using System.Globalization;
using System.Net;
using System.Text.Json;
using OmniActors.Identities;
using OmniActors.Tests.Http;

namespace OmniActors.Tests.Events;

/// <summary>Identities: created on first sight, one per handle under races, linked across providers, merged, aliases joined.</summary>
public abstract class IdentityTests(EventFabricFactory factory) : EventFabricTest(factory)
{
    private static string S(long n) => n.ToString(CultureInfo.InvariantCulture);

    private Task<JsonElement> ResolveAsync(string provider, string handle) =>
        ApiClient.PostJsonAsync("/api/identities/resolve", new { provider, handle }).ExpectAsync(HttpStatusCode.OK);

    [Fact]
    public async Task Concurrent_first_sightings_of_a_handle_create_one_identity()
    {
        var handle = "user-" + Guid.NewGuid().ToString("N");
        var directory = Fabric.Service<IdentityDirectory>();

        var ids = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => directory.ResolveAsync(new IdentityHandle("discord", handle)))));

        var id = Assert.Single(ids.Distinct());
        Assert.Equal(1L, await Fabric.CountAsync("SELECT COUNT(*) FROM omni_identity_handles WHERE handle = @h", ("@h", handle)));
        Assert.Equal(1L, await Fabric.CountAsync("SELECT COUNT(*) FROM omni_identities WHERE id = @id", ("@id", id)));
        Assert.Equal(id, (await ResolveAsync("discord", handle)).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Messages_from_one_sender_resolve_to_one_identity_whose_events_are_listed()
    {
        long user = Telegram.Unique(), chat = Telegram.Unique();
        await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), user, chat, "one")).ExpectAsync(HttpStatusCode.OK);
        await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), user, chat, "two")).ExpectAsync(HttpStatusCode.OK);

        var events = await ApiClient.UntilChatEventsAsync(chat, 2);
        var id = Assert.Single(events.Select(e => e.GetProperty("sender_identity_id").GetString()).Distinct())!;
        var identity = await ApiClient.GetAsync($"/api/identities/{id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Ann", identity.GetProperty("display_name").GetString());
        var handle = Assert.Single(identity.GetProperty("handles").EnumerateArray());
        Assert.Equal("telegram", handle.GetProperty("provider").GetString());
        Assert.Equal(S(user), handle.GetProperty("handle").GetString());
        var page = await ApiClient.GetAsync($"/api/identities/{id}/events").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["two", "one"], page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("text").GetString()!).ToArray());
    }

    [Fact]
    public async Task Handles_of_several_providers_link_to_one_identity_and_a_taken_handle_is_a_conflict()
    {
        var person = await ResolveAsync("telegram", "tg-" + Guid.NewGuid().ToString("N"));
        var id = person.GetProperty("id").GetString()!;
        var discord = "dc-" + Guid.NewGuid().ToString("N");

        var linked = await ApiClient.PostJsonAsync($"/api/identities/{id}/handles", new { provider = "discord", handle = discord }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(2, linked.GetProperty("handles").GetArrayLength());
        Assert.Equal(id, (await ResolveAsync("discord", discord)).GetProperty("id").GetString());
        var other = (await ResolveAsync("whatsapp", "wa-" + Guid.NewGuid().ToString("N"))).GetProperty("id").GetString()!;
        await ApiClient.PostJsonAsync($"/api/identities/{other}/handles", new { provider = "discord", handle = discord })
            .ExpectProblemAsync(HttpStatusCode.Conflict, "handle_taken");
        await ApiClient.PostJsonAsync($"/api/identities/{id}/handles", new { provider = "discord" }).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await ApiClient.PostJsonAsync($"/api/identities/{id}/handles", "{\"provider\":").ExpectProblemAsync(HttpStatusCode.BadRequest, "malformed_payload");
        await ApiClient.GetAsync("/api/identities/id-does-not-exist").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await ApiClient.PostJsonAsync("/api/identities/id-does-not-exist/handles", new { provider = "discord", handle = "x" + Guid.NewGuid().ToString("N") })
            .ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_merged_identity_forwards_and_its_events_keep_resolving_to_the_survivor()
    {
        long userA = Telegram.Unique(), userB = Telegram.Unique(), chat = Telegram.Unique();
        await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), userA, chat, "from a")).ExpectAsync(HttpStatusCode.OK);
        await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), userB, chat, "from b", "Bob")).ExpectAsync(HttpStatusCode.OK);
        var events = await ApiClient.UntilChatEventsAsync(chat, 2);
        var a = events.Single(e => e.GetProperty("text").GetString() == "from a").GetProperty("sender_identity_id").GetString()!;
        var b = events.Single(e => e.GetProperty("text").GetString() == "from b").GetProperty("sender_identity_id").GetString()!;
        Assert.NotEqual(a, b);

        var survivor = await ApiClient.PostJsonAsync($"/api/identities/{a}/merge", new { identity_id = b }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(a, survivor.GetProperty("id").GetString());
        Assert.Equal([b], survivor.GetProperty("merged").EnumerateArray().Select(x => x.GetString()!).ToArray());
        Assert.Equal(2, survivor.GetProperty("handles").GetArrayLength());
        Assert.Equal(a, (await ApiClient.GetAsync($"/api/identities/{b}").ExpectAsync(HttpStatusCode.OK)).GetProperty("id").GetString());
        Assert.Equal(a, (await ResolveAsync("telegram", S(userB))).GetProperty("id").GetString());
        var page = await ApiClient.GetAsync($"/api/identities/{a}/events").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
        var viaMerged = await ApiClient.GetAsync($"/api/identities/{b}/events").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, viaMerged.GetProperty("items").GetArrayLength());

        // New events of the merged person's handle land on the survivor.
        await Hooks.PostAsync(Telegram.Message(Telegram.Unique(), userB, chat, "b again", "Bob")).ExpectAsync(HttpStatusCode.OK);
        var after = await ApiClient.UntilChatEventsAsync(chat, 3);
        Assert.Equal(a, after.Single(e => e.GetProperty("text").GetString() == "b again").GetProperty("sender_identity_id").GetString());
        await ApiClient.PostJsonAsync($"/api/identities/{a}/merge", new { identity_id = "id-nobody" }).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_whatsapp_lid_and_phone_jid_of_one_sender_are_one_identity_whichever_came_first()
    {
        var directory = Fabric.Service<IdentityDirectory>();
        var n = Guid.NewGuid().ToString("N")[..12];
        var lid = $"{n}@lid";
        var phone = $"55{n}@s.whatsapp.net";

        var byLid = await directory.ResolveAsync(new IdentityHandle("evolution", lid));
        var byPhone = await directory.ResolveAsync(new IdentityHandle("evolution", phone), [lid]);
        Assert.Equal(byLid, byPhone);
        Assert.Equal(byLid, await directory.ResolveAsync(new IdentityHandle("evolution", phone)));

        // Seen apart first (two identities), then a payload proving they are one person: merged into one (the older, unless
        // both were created within one millisecond), the other forwarding to it.
        var m = Guid.NewGuid().ToString("N")[..12];
        var first = await directory.ResolveAsync(new IdentityHandle("evolution", $"55{m}@s.whatsapp.net"));
        var second = await directory.ResolveAsync(new IdentityHandle("evolution", $"{m}@lid"));
        Assert.NotEqual(first, second);
        var joined = await directory.ResolveAsync(new IdentityHandle("evolution", $"{m}@lid"), [$"55{m}@s.whatsapp.net"]);
        Assert.Contains(joined, new[] { first, second });
        var merged = joined == first ? second : first;
        Assert.Equal(joined, await directory.ResolveAsync(new IdentityHandle("evolution", $"{m}@lid")));
        Assert.Equal(joined, await directory.ResolveAsync(new IdentityHandle("evolution", $"55{m}@s.whatsapp.net")));
        var info = await ApiClient.GetAsync($"/api/identities/{merged}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(joined, info.GetProperty("id").GetString());
        Assert.Equal(2, info.GetProperty("handles").GetArrayLength());
    }
}

[Collection(SqliteEventFabricCollection.Name)]
public sealed class SqliteIdentityTests(SqliteEventFabric factory) : IdentityTests(factory);

[Collection(PostgresEventFabricCollection.Name)]
public sealed class PostgresIdentityTests(PostgresEventFabric factory) : IdentityTests(factory);
