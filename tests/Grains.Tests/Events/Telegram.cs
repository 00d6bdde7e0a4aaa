using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OmniActors.Tests.Http;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Events;

/// <summary>Realistic Telegram Bot API updates and the calls the event-fabric tests share.</summary>
internal static class Telegram
{
    private static long _next = Random.Shared.NextInt64(1_000_000, 1_000_000_000);

    /// <summary>A number no other test uses (update ids, user ids, chat ids).</summary>
    public static long Unique() => Interlocked.Increment(ref _next);

    public static string Message(long updateId, long userId, long chatId, string text, string firstName = "Ann") => $$$"""
        {"update_id":{{{updateId}}},"message":{"message_id":{{{updateId % 100000}}},"from":{"id":{{{userId}}},"is_bot":false,"first_name":"{{{firstName}}}","language_code":"en"},
         "chat":{"id":{{{chatId}}},"first_name":"{{{firstName}}}","type":"private"},"date":1732400000,"text":{{{JsonSerializer.Serialize(text)}}}}}
        """;

    public static Task<HttpResponseMessage> PostAsync(this HttpClient client, string body, string? secret = EventFabricFactory.TelegramSecret,
        string instance = EventFabricFactory.TelegramInstance, string provider = "telegram")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Api.Url($"/webhooks/{provider}/{instance}"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (secret is not null)
        {
            request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        return client.SendAsync(request);
    }

    /// <summary>Events of a chat, newest first.</summary>
    public static async Task<IReadOnlyList<JsonElement>> ChatEventsAsync(this HttpClient api, long chatId)
    {
        var page = await api.GetAsync($"/api/events?chat={chatId}&limit=500").ExpectAsync(HttpStatusCode.OK);
        return page.GetProperty("items").EnumerateArray().ToList();
    }

    /// <summary>Waits until a chat has <paramref name="count"/> events stored and processed.</summary>
    public static Task<IReadOnlyList<JsonElement>> UntilChatEventsAsync(this HttpClient api, long chatId, int count) =>
        Eventually.Until(() => api.ChatEventsAsync(chatId), items => items.Count >= count, Api.Deadline, $"{count} events in chat {chatId}");

    public static async Task<long> CountAsync(this EventFabricFactory f, string sql, params (string, object)[] parameters) =>
        Convert.ToInt64(await f.Database.ScalarAsync(sql, parameters), System.Globalization.CultureInfo.InvariantCulture);

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, string json) =>
        client.PostAsync(Api.Url(url), new StringContent(json, Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string url, object body) =>
        client.PutAsJsonAsync(Api.Url(url), body);

    /// <summary>Waits until a task exists (routing runs after the event is stored) and has the status.</summary>
    public static Task<JsonElement> UntilTaskAsync(this HttpClient api, string id, string status) =>
        Eventually.Until(async () =>
        {
            using var response = await api.GetAsync(Api.Url($"/api/tasks/{id}"));
            return response.StatusCode == HttpStatusCode.OK ? await response.JsonAsync() : default;
        }, t => t.ValueKind == JsonValueKind.Object && t.Status() == status, Api.Deadline, $"task {id} is {status}");
}
