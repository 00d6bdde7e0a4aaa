using OmniActors.Webhooks;
using OmniActors.Webhooks.Providers;

namespace OmniActors.Tests.Webhooks;

/// <summary>Telegram: the secret-token header and the normalizer over Bot API updates.</summary>
public sealed class TelegramProviderTests
{
    private static readonly TelegramProvider Provider = new();
    private static readonly WebhookInstanceSecrets Secrets = new("telegram", "bot1", "s3cr3t-T0ken_with-64-chars-allowed");

    [Theory]
    [InlineData("X-Telegram-Bot-Api-Secret-Token")]
    [InlineData("x-telegram-bot-api-secret-token")]
    public void The_configured_secret_token_verifies_whatever_the_header_case(string header)
    {
        var request = Normalizing.Request(TelegramPayloads.Text, (header, Secrets.Secret));

        Assert.Equal(WebhookVerification.Verified, Provider.Verify(request, Secrets));
    }

    [Fact]
    public void Header_lookup_is_case_insensitive_even_in_a_case_sensitive_dictionary()
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["x-telegram-bot-api-secret-token"] = Secrets.Secret };
        var request = new WebhookRequest(headers, "{}"u8.ToArray());

        Assert.Equal(WebhookVerification.Verified, Provider.Verify(request, Secrets));
    }

    [Theory]
    [InlineData("s3cr3t-T0ken_with-64-chars-allowee")]
    [InlineData("s3cr3t-T0ken_with-64-chars-allowed ")]
    [InlineData("S3CR3T-T0KEN_WITH-64-CHARS-ALLOWED")]
    [InlineData("s3cr3t")]
    [InlineData("x")]
    public void A_wrong_secret_token_is_forged(string token)
    {
        var request = Normalizing.Request(TelegramPayloads.Text, (TelegramProvider.SecretTokenHeader, token));

        Assert.Equal(WebhookVerification.Forged, Provider.Verify(request, Secrets));
    }

    [Fact]
    public void A_missing_or_empty_secret_token_is_missing()
    {
        Assert.Equal(WebhookVerification.Missing, Provider.Verify(Normalizing.Request(TelegramPayloads.Text), Secrets));
        Assert.Equal(WebhookVerification.Missing,
            Provider.Verify(Normalizing.Request(TelegramPayloads.Text, (TelegramProvider.SecretTokenHeader, "")), Secrets));
    }

    [Fact]
    public void An_instance_without_a_secret_accepts_nothing()
    {
        var request = Normalizing.Request(TelegramPayloads.Text, (TelegramProvider.SecretTokenHeader, "anything"));

        Assert.Equal(WebhookVerification.Forged, Provider.Verify(request, Secrets with { Secret = "" }));
    }

    [Fact]
    public void The_body_is_stored_unchanged_and_needs_no_special_reply()
    {
        var body = "{\"update_id\":1}"u8.ToArray();

        Assert.Equal(body, Provider.Sanitize(body).ToArray());
        using var document = System.Text.Json.JsonDocument.Parse(body);
        Assert.Null(Provider.ImmediateReply(document.RootElement));
    }

    [Fact]
    public void A_text_message_names_sender_chat_update_and_time()
    {
        var e = Provider.Single(TelegramPayloads.Text);

        Assert.Equal(OmniEventTypes.Message, e.EventType);
        Assert.Equal("10000", e.ProviderEventId);
        Assert.Equal(EventDirections.Inbound, e.Direction);
        Assert.Equal("1111111", e.SenderHandle);
        Assert.Equal("Alice Test", e.SenderName);
        Assert.Equal("1111111", e.ChatId);
        Assert.Equal(OmniContentTypes.Text, e.ContentType);
        Assert.Equal("Hello bot", e.Text);
        Assert.Null(e.ReplyTo);
        Assert.Null(e.Media);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1441645532), e.ProviderTimestamp);
        Assert.Equal("1365", e.Meta("message_id"));
        Assert.Equal("alicetest", e.Meta("username"));
        Assert.Equal("private", e.Meta("chat_type"));
    }

    [Fact]
    public void A_bot_command_is_a_command()
    {
        var e = Provider.Single(TelegramPayloads.Command);

        Assert.Equal(OmniEventTypes.Message, e.EventType);
        Assert.Equal(OmniContentTypes.Command, e.ContentType);
        Assert.Equal("/start promo42", e.Text);
    }

    [Fact]
    public void A_reply_points_at_the_replied_message_in_a_group_chat()
    {
        var e = Provider.Single(TelegramPayloads.Reply);

        Assert.Equal("1300", e.ReplyTo);
        Assert.Equal("-1001234567890", e.ChatId);
        Assert.Equal("2222222", e.SenderHandle);
        Assert.Equal("Bob", e.SenderName);
        Assert.Equal("Team", e.Meta("chat_title"));
        Assert.Equal("Pong", e.Text);
    }

    [Fact]
    public void An_edited_message_is_an_edit_of_that_message_at_its_edit_time()
    {
        var e = Provider.Single(TelegramPayloads.Edited);

        Assert.Equal(OmniEventTypes.Edit, e.EventType);
        Assert.Equal("10003", e.ProviderEventId);
        Assert.Equal("1365", e.ReplyTo);
        Assert.Equal("Hello bot (edited)", e.Text);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1441645600), e.ProviderTimestamp);
    }

    [Fact]
    public void A_channel_post_is_sent_by_the_channel()
    {
        var e = Provider.Single(TelegramPayloads.ChannelPost);

        Assert.Equal(OmniEventTypes.Message, e.EventType);
        Assert.Equal("-1009876543210", e.SenderHandle);
        Assert.Equal("Omni News", e.SenderName);
        Assert.Equal("-1009876543210", e.ChatId);
        Assert.Equal("true", e.Meta("channel"));
        Assert.Equal("Release 1.0 is out", e.Text);
    }

    [Fact]
    public void A_callback_query_is_an_interaction_carrying_its_data()
    {
        var e = Provider.Single(TelegramPayloads.CallbackQuery);

        Assert.Equal(OmniEventTypes.Interaction, e.EventType);
        Assert.Equal(OmniContentTypes.Interactive, e.ContentType);
        Assert.Equal("10005", e.ProviderEventId);
        Assert.Equal("approve:42", e.Text);
        Assert.Equal("1111111", e.SenderHandle);
        Assert.Equal("1111111", e.ChatId);
        Assert.Equal("1400", e.ReplyTo);
        Assert.Equal("4382bfdwdsb323b2d9", e.Meta("callback_query_id"));
    }

    [Fact]
    public void A_photo_keeps_the_largest_size_and_the_caption()
    {
        var e = Provider.Single(TelegramPayloads.Photo);

        Assert.Equal(OmniContentTypes.Image, e.ContentType);
        Assert.Equal("Look at this", e.Text);
        Assert.NotNull(e.Media);
        Assert.Equal("AgADBAADlarge", e.Media.ProviderMediaId);
        Assert.Equal(81524, e.Media.Size);
        Assert.Equal("Look at this", e.Media.Caption);
        Assert.Equal("image/jpeg", e.Media.MimeType);
        Assert.Equal("1280", e.Meta("width"));
    }

    [Theory]
    [InlineData(TelegramPayloads.Voice, OmniContentTypes.Audio, "AwADBAADvoice", "audio/ogg", 9311L)]
    [InlineData(TelegramPayloads.Audio, OmniContentTypes.Audio, "CQADBAADaudio", "audio/mpeg", 3897500L)]
    [InlineData(TelegramPayloads.Video, OmniContentTypes.Video, "BAADBAADvideo", "video/mp4", 2097152L)]
    [InlineData(TelegramPayloads.Document, OmniContentTypes.Document, "BQADBAADdoc", "application/pdf", 52311L)]
    [InlineData(TelegramPayloads.Sticker, OmniContentTypes.Sticker, "CAACAgIAAxsticker", "image/webp", 23456L)]
    public void Media_messages_carry_file_id_mime_type_and_size(string json, string contentType, string fileId, string mime, long size)
    {
        var e = Provider.Single(json);

        Assert.Equal(contentType, e.ContentType);
        Assert.NotNull(e.Media);
        Assert.Equal(fileId, e.Media.ProviderMediaId);
        Assert.Equal(mime, e.Media.MimeType);
        Assert.Equal(size, e.Media.Size);
        Assert.Null(e.Media.Url);
    }

    [Fact]
    public void A_voice_note_is_marked_as_voice_and_a_document_keeps_its_name()
    {
        Assert.Equal("true", Provider.Single(TelegramPayloads.Voice).Meta("voice"));
        Assert.Equal("invoice.pdf", Provider.Single(TelegramPayloads.Document).Meta("file_name"));
        Assert.Equal("Invoice", Provider.Single(TelegramPayloads.Document).Text);
    }

    [Fact]
    public void A_sticker_is_a_sticker_event_with_its_emoji()
    {
        var e = Provider.Single(TelegramPayloads.Sticker);

        Assert.Equal(OmniEventTypes.Sticker, e.EventType);
        Assert.Equal("😂", e.Text);
        Assert.Equal("HotCherry", e.Meta("set_name"));
    }

    [Fact]
    public void A_location_keeps_its_coordinates()
    {
        var e = Provider.Single(TelegramPayloads.Location);

        Assert.Equal(OmniEventTypes.Message, e.EventType);
        Assert.Equal(OmniContentTypes.Location, e.ContentType);
        Assert.Equal("52.520008", e.Meta("latitude"));
        Assert.Equal("13.404954", e.Meta("longitude"));
    }

    [Fact]
    public void A_contact_keeps_name_phone_and_user_id()
    {
        var e = Provider.Single(TelegramPayloads.Contact);

        Assert.Equal(OmniContentTypes.Contacts, e.ContentType);
        Assert.Equal("Carol Jones", e.Text);
        var contact = e.Metadata!["contacts"]![0]!;
        Assert.Equal("+4915112345678", (string?)contact["phone_number"]);
        Assert.Equal("4444444", (string?)contact["user_id"]);
    }

    [Fact]
    public void A_message_reaction_is_a_reaction_to_the_message()
    {
        var e = Provider.Single(TelegramPayloads.Reaction);

        Assert.Equal(OmniEventTypes.Reaction, e.EventType);
        Assert.Equal("👍", e.Text);
        Assert.Equal("1367", e.ReplyTo);
        Assert.Equal("2222222", e.SenderHandle);
        Assert.Equal("-1001234567890", e.ChatId);
    }

    [Fact]
    public void A_service_message_is_a_system_event()
    {
        var e = Provider.Single(TelegramPayloads.NewMembers);

        Assert.Equal(OmniEventTypes.System, e.EventType);
        Assert.Equal("new_chat_members", e.Meta("service"));
        Assert.Equal("-1001234567890", e.ChatId);
    }

    [Fact]
    public void An_update_kind_without_a_normalizer_is_unknown_but_keeps_its_update_id()
    {
        var e = Provider.Single(TelegramPayloads.InlineQuery);

        Assert.Equal(OmniEventTypes.Unknown, e.EventType);
        Assert.Equal("10016", e.ProviderEventId);
        Assert.Equal("inline_query", e.Meta("kind"));
    }

    [Theory]
    [MemberData(nameof(Normalizing.UnknownShapes), MemberType = typeof(Normalizing))]
    [InlineData("""{"update_id":5,"message":"not an object"}""")]
    [InlineData("""{"update_id":"abc","message":{"message_id":[1],"from":7,"chat":"x","photo":{"file_id":1},"date":"soon"}}""")]
    [InlineData("""{"update_id":6,"message":{"photo":[],"entities":"x","reply_to_message":[]}}""")]
    [InlineData("""{"update_id":7,"callback_query":{"from":[],"message":1,"data":{"a":1}}}""")]
    [InlineData("""{"update_id":8,"message":{"date":99999999999999999999,"edit_date":-5,"location":{"latitude":"north"}}}""")]
    public void Any_valid_json_normalizes_without_throwing(string json)
    {
        var events = Provider.Events(json);

        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.False(string.IsNullOrEmpty(e.EventType)));
    }

    [Theory]
    [MemberData(nameof(Normalizing.UnknownShapes), MemberType = typeof(Normalizing))]
    public void Payloads_that_are_no_update_are_one_unknown_event(string json)
    {
        Assert.Equal(OmniEventTypes.Unknown, Provider.Single(json).EventType);
    }
}
