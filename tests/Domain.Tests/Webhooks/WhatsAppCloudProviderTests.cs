using System.Security.Cryptography;
using System.Text;
using OmniActors.Webhooks;
using OmniActors.Webhooks.Providers;
using P = OmniActors.Tests.Webhooks.WhatsAppCloudPayloads;

namespace OmniActors.Tests.Webhooks;

/// <summary>WhatsApp Cloud API: the body signature, the subscription handshake and the normalizer.</summary>
public sealed class WhatsAppCloudProviderTests
{
    private static readonly WhatsAppCloudProvider Provider = new();
    private static readonly WebhookInstanceSecrets Secrets = new("whatsapp", "main", "d41d8cd98f00b204e9800998ecf8427e", "my-verify-token");

    private static string Sign(string body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    private static WebhookVerification Verify(string body, string? signature, WebhookInstanceSecrets? secrets = null) =>
        Provider.Verify(signature is null ? Normalizing.Request(body) : Normalizing.Request(body, (WhatsAppCloudProvider.SignatureHeader, signature)),
            secrets ?? Secrets);

    [Fact]
    public void The_rfc_4231_hmac_sha256_vector_verifies()
    {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        const string signature = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

        Assert.Equal(WebhookVerification.Verified, Verify("what do ya want for nothing?", signature, Secrets with { Secret = "Jefe" }));
    }

    [Fact]
    public void A_body_signed_with_the_app_secret_verifies_in_either_hex_case()
    {
        var signature = Sign(P.Text, Secrets.Secret);

        Assert.Equal(WebhookVerification.Verified, Verify(P.Text, signature));
        Assert.Equal(WebhookVerification.Verified, Verify(P.Text, "sha256=" + signature["sha256=".Length..].ToUpperInvariant()));
        Assert.Equal(WebhookVerification.Verified,
            Provider.Verify(Normalizing.Request(P.Text, ("x-hub-signature-256", signature)), Secrets));
    }

    [Fact]
    public void A_tampered_body_is_forged()
    {
        var signature = Sign(P.Text, Secrets.Secret);
        var tampered = P.Text.Replace("another color", "another colour", StringComparison.Ordinal);

        Assert.Equal(WebhookVerification.Forged, Verify(tampered, signature));
        Assert.Equal(WebhookVerification.Forged, Verify(P.Text + " ", signature));
    }

    [Fact]
    public void A_body_signed_with_another_secret_is_forged()
    {
        Assert.Equal(WebhookVerification.Forged, Verify(P.Text, Sign(P.Text, "not-the-app-secret")));
    }

    [Theory]
    [InlineData("sha256=")]
    [InlineData("sha1=2fd4e1c67a2d28fced849ee1bb76e7391b93eb12")]
    [InlineData("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec384")]
    [InlineData("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec38433")]
    [InlineData("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec384300")]
    [InlineData("sha256=zzdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec38-3")]
    [InlineData("sha256=0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("sha256= 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    public void Malformed_or_wrong_length_signatures_are_forged(string signature)
    {
        Assert.Equal(WebhookVerification.Forged, Verify("what do ya want for nothing?", signature, Secrets with { Secret = "Jefe" }));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_missing_signature_is_missing(string? signature)
    {
        Assert.Equal(WebhookVerification.Missing, Verify(P.Text, signature));
    }

    [Fact]
    public void An_instance_without_an_app_secret_accepts_nothing()
    {
        Assert.Equal(WebhookVerification.Forged, Verify(P.Text, Sign(P.Text, ""), Secrets with { Secret = "" }));
    }

    [Fact]
    public void The_subscription_handshake_echoes_the_challenge_for_the_right_token()
    {
        Assert.Equal("1158201444", WhatsAppCloudProvider.AnswerSubscription("subscribe", "my-verify-token", "1158201444", Secrets));
    }

    [Theory]
    [InlineData("subscribe", "wrong-token", "1158201444")]
    [InlineData("subscribe", "my-verify-token ", "1158201444")]
    [InlineData("subscribe", "", "1158201444")]
    [InlineData("subscribe", null, "1158201444")]
    [InlineData("unsubscribe", "my-verify-token", "1158201444")]
    [InlineData("Subscribe", "my-verify-token", "1158201444")]
    [InlineData(null, "my-verify-token", "1158201444")]
    [InlineData("subscribe", "my-verify-token", "")]
    [InlineData("subscribe", "my-verify-token", null)]
    public void The_subscription_handshake_refuses_anything_else(string? mode, string? token, string? challenge)
    {
        Assert.Null(WhatsAppCloudProvider.AnswerSubscription(mode, token, challenge, Secrets));
    }

    [Fact]
    public void The_subscription_handshake_refuses_when_no_verify_token_is_configured()
    {
        Assert.Null(WhatsAppCloudProvider.AnswerSubscription("subscribe", "", "42", Secrets with { VerifyToken = null }));
        Assert.Null(WhatsAppCloudProvider.AnswerSubscription("subscribe", "anything", "42", Secrets with { VerifyToken = "" }));
    }

    [Fact]
    public void A_group_message_is_in_the_group_chat_not_the_senders()
    {
        var e = Provider.Single(P.GroupText);

        Assert.Equal(P.Group, e.ChatId);
        Assert.Equal(P.Customer, e.SenderHandle);
        Assert.Equal("Hello everyone", e.Text);
        Assert.Equal(P.Group, e.Meta("group_id"));
    }

    [Fact]
    public void A_text_message_names_sender_recipient_chat_and_time()
    {
        var e = Provider.Single(P.Text);

        Assert.Equal(OmniEventTypes.Message, e.EventType);
        Assert.Equal("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", e.ProviderEventId);
        Assert.Equal(EventDirections.Inbound, e.Direction);
        Assert.Equal(P.Customer, e.SenderHandle);
        Assert.Equal("Sheena Nelson", e.SenderName);
        Assert.Equal(P.Business, e.RecipientHandle);
        Assert.Equal(P.Customer, e.ChatId);
        Assert.Equal(OmniContentTypes.Text, e.ContentType);
        Assert.Equal("Does it come in another color?", e.Text);
        Assert.Null(e.ReplyTo);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1749416383), e.ProviderTimestamp);
        Assert.Equal(P.PhoneNumberId, e.Meta("phone_number_id"));
    }

    [Fact]
    public void A_reply_points_at_the_context_message()
    {
        var e = Provider.Single(P.Reply);

        Assert.Equal("wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MUI1Q0FFRTU3RkE4QjlGNjMA", e.ReplyTo);
        Assert.Equal(P.Business, e.Meta("context_from"));
    }

    [Theory]
    [InlineData(nameof(P.Image), OmniContentTypes.Image, "1003383421387256", "image/jpeg", "Here is the receipt")]
    [InlineData(nameof(P.Audio), OmniContentTypes.Audio, "1023456789012345", "audio/ogg; codecs=opus", null)]
    [InlineData(nameof(P.Video), OmniContentTypes.Video, "1034567890123456", "video/mp4", "Unboxing")]
    [InlineData(nameof(P.Document), OmniContentTypes.Document, "1045678901234567", "application/pdf", "Invoice")]
    [InlineData(nameof(P.Sticker), OmniContentTypes.Sticker, "1056789012345678", "image/webp", null)]
    public void Media_messages_carry_media_id_mime_type_and_caption(string payload, string contentType, string mediaId, string mime, string? caption)
    {
        var json = (string)typeof(P).GetField(payload)!.GetValue(null)!;

        var e = Provider.Single(json);

        Assert.Equal(contentType, e.ContentType);
        Assert.NotNull(e.Media);
        Assert.Equal(mediaId, e.Media.ProviderMediaId);
        Assert.Equal(mime, e.Media.MimeType);
        Assert.Equal(caption, e.Media.Caption);
        Assert.Equal(caption, e.Text);
        Assert.Equal(P.Customer, e.SenderHandle);
    }

    [Fact]
    public void A_voice_note_a_document_name_and_a_sticker_event()
    {
        Assert.Equal("true", Provider.Single(P.Audio).Meta("voice"));
        Assert.Equal("invoice-17.pdf", Provider.Single(P.Document).Meta("file_name"));
        Assert.Equal(OmniEventTypes.Sticker, Provider.Single(P.Sticker).EventType);
        Assert.Equal(OmniEventTypes.Message, Provider.Single(P.Image).EventType);
    }

    [Fact]
    public void A_location_keeps_coordinates_name_and_address()
    {
        var e = Provider.Single(P.Location);

        Assert.Equal(OmniContentTypes.Location, e.ContentType);
        Assert.Equal("Main Office", e.Text);
        Assert.Equal("37.483253", e.Meta("latitude"));
        Assert.Equal("-122.148981", e.Meta("longitude"));
        Assert.Equal("1 Hacker Way, Menlo Park, CA 94025", e.Meta("address"));
    }

    [Fact]
    public void Shared_contacts_keep_the_cards()
    {
        var e = Provider.Single(P.Contacts);

        Assert.Equal(OmniContentTypes.Contacts, e.ContentType);
        Assert.Equal("Kerry Fitzgerald", e.Text);
        Assert.Equal("14153418386", (string?)e.Metadata!["contacts"]![0]!["phones"]![0]!["wa_id"]);
        // The sender's own profile name still comes from the value's contacts, not the shared card.
        Assert.Equal("Sheena Nelson", e.SenderName);
    }

    [Fact]
    public void A_reaction_points_at_the_reacted_message_and_an_empty_one_is_a_removal()
    {
        var e = Provider.Single(P.Reaction);
        var removed = Provider.Single(P.ReactionRemoved);

        Assert.Equal(OmniEventTypes.Reaction, e.EventType);
        Assert.Equal(OmniContentTypes.Reaction, e.ContentType);
        Assert.Equal("😀", e.Text);
        Assert.Equal("wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MUI1Q0FFRTU3RkE4QjlGNjMA", e.ReplyTo);
        Assert.Equal("wamid.reaction1", e.ProviderEventId);
        Assert.Equal(OmniEventTypes.Reaction, removed.EventType);
        Assert.Null(removed.Text);
    }

    [Theory]
    [InlineData(nameof(P.ButtonReply), "button_reply", "confirm-order-17", "Confirm", "wamid.interactive_question")]
    [InlineData(nameof(P.ListReply), "list_reply", "slot-0900", "9:00", "wamid.list_question")]
    [InlineData(nameof(P.TemplateButton), "button", "STOP_PROMOTIONS", "Stop promotions", "wamid.template_message")]
    public void Button_and_list_replies_are_interactions_naming_the_choice(string payload, string kind, string id, string title, string replyTo)
    {
        var json = (string)typeof(P).GetField(payload)!.GetValue(null)!;

        var e = Provider.Single(json);

        Assert.Equal(OmniEventTypes.Interaction, e.EventType);
        Assert.Equal(OmniContentTypes.Interactive, e.ContentType);
        Assert.Equal(title, e.Text);
        Assert.Equal(kind, e.Meta("interactive_type"));
        Assert.Equal(id, e.Meta("interactive_id"));
        Assert.Equal(replyTo, e.ReplyTo);
    }

    [Fact]
    public void An_unsupported_message_is_kept_with_its_errors()
    {
        var e = Provider.Single(P.Unsupported);

        Assert.Equal(OmniEventTypes.Message, e.EventType);
        Assert.Equal(OmniContentTypes.None, e.ContentType);
        Assert.Equal("unsupported", e.Meta("message_type"));
        Assert.Equal(131051, (int)e.Metadata!["errors"]![0]!["code"]!);
    }

    [Theory]
    [InlineData("sent")]
    [InlineData("delivered")]
    [InlineData("read")]
    [InlineData("failed")]
    public void A_status_is_an_outbound_status_event_keyed_by_message_and_status(string status)
    {
        var e = Provider.Single(P.Statuses(status));

        Assert.Equal(OmniEventTypes.Status, e.EventType);
        Assert.Equal(status, e.Status);
        Assert.Equal($"wamid.outbound1:{status}", e.ProviderEventId);
        Assert.Equal(EventDirections.Outbound, e.Direction);
        Assert.Equal(P.Customer, e.RecipientHandle);
        Assert.Equal(P.Customer, e.ChatId);
        Assert.Equal(P.Business, e.SenderHandle);
        Assert.Equal("wamid.outbound1", e.ReplyTo);
        Assert.NotNull(e.ProviderTimestamp);
    }

    [Fact]
    public void A_failed_status_keeps_its_errors_and_a_sent_one_its_pricing()
    {
        Assert.Equal(131050, (int)Provider.Single(P.Statuses("failed")).Metadata!["errors"]![0]!["code"]!);
        var sent = Provider.Single(P.Statuses("sent"));
        Assert.Equal("utility", sent.Meta("pricing_category"));
        Assert.Equal("6ceb9d929c1a1f5cbd1f25ab3e7d9b72", sent.Meta("conversation_id"));
    }

    [Fact]
    public void Statuses_of_one_message_are_distinct_events()
    {
        var events = Provider.Events(P.Statuses("sent", "delivered", "read"));

        Assert.Equal(["wamid.outbound1:sent", "wamid.outbound1:delivered", "wamid.outbound1:read"], events.Select(e => e.ProviderEventId));
    }

    [Fact]
    public void One_payload_with_many_entries_gives_every_event_with_the_right_sender_names()
    {
        var events = Provider.Events(P.Batched);

        Assert.Equal(3, events.Count);
        Assert.Equal(("wamid.m2", "919876543210", "Ravi"), (events[0].ProviderEventId, events[0].SenderHandle, events[0].SenderName));
        Assert.Equal(("wamid.m1", P.Customer, "Sheena Nelson"), (events[1].ProviderEventId, events[1].SenderHandle, events[1].SenderName));
        Assert.Equal(("wamid.outbound9:read", OmniEventTypes.Status), (events[2].ProviderEventId, events[2].EventType));
    }

    [Fact]
    public void A_broken_item_does_not_cost_the_others()
    {
        var json = P.Change("""
            "messages":["not a message",{"from":7,"id":{"x":1},"type":"image","image":"x"},
              {"from":"16505551234","id":"wamid.ok","timestamp":"1749416383","type":"text","text":{"body":"still here"}}]
            """);

        var events = Provider.Events(json);

        Assert.Contains(events, e => e.ProviderEventId == "wamid.ok" && e.Text == "still here");
    }

    [Fact]
    public void A_change_of_another_field_is_unknown_named_by_its_field()
    {
        var e = Provider.Single(P.TemplateStatusUpdate);

        Assert.Equal(OmniEventTypes.Unknown, e.EventType);
        Assert.Equal("message_template_status_update", e.Meta("kind"));
    }

    [Theory]
    [MemberData(nameof(Normalizing.UnknownShapes), MemberType = typeof(Normalizing))]
    [InlineData("""{"object":"whatsapp_business_account","entry":"x"}""")]
    [InlineData("""{"object":"whatsapp_business_account","entry":[1,{"changes":{}},{"changes":[null,{"value":[]}]}]}""")]
    public void Payloads_without_messages_or_statuses_are_one_unknown_event(string json)
    {
        Assert.Equal(OmniEventTypes.Unknown, Provider.Single(json).EventType);
    }

    [Theory]
    [InlineData("""{"entry":[{"changes":[{"value":{"messages":[{"type":"location","location":{"latitude":"a"}}],"statuses":[{"id":1}]}}]}]}""")]
    [InlineData("""{"entry":[{"changes":[{"value":{"metadata":[],"contacts":{"a":1},"messages":[{"type":"contacts","contacts":[1,null]}]}}]}]}""")]
    [InlineData("""{"entry":[{"changes":[{"value":{"messages":[{"type":"interactive","interactive":{"type":"nfm_reply","nfm_reply":7}}]}}]}]}""")]
    [InlineData("""{"entry":[{"changes":[{"value":{"messages":[{"type":"text","text":"plain","timestamp":{"n":1},"context":[]}]}}]}]}""")]
    [InlineData("""{"entry":[{"changes":[{"value":{"statuses":[{"id":"w","status":"read","pricing":{"billable":"yes"},"errors":{}}]}}]}]}""")]
    public void Odd_shapes_normalize_without_throwing(string json)
    {
        Assert.NotEmpty(Provider.Events(json));
    }
}
