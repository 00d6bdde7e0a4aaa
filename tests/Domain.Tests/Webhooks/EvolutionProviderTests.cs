using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OmniActors.Webhooks;
using OmniActors.Webhooks.Providers;
using P = OmniActors.Tests.Webhooks.EvolutionPayloads;

namespace OmniActors.Tests.Webhooks;

/// <summary>Evolution API: the instance token, the apikey cut from stored bodies, and the normalizer over Baileys messages.</summary>
public sealed class EvolutionProviderTests
{
    private static readonly EvolutionProvider Provider = new();
    private static readonly WebhookInstanceSecrets Secrets = new("evolution", "sales", P.ApiKey);

    [Fact]
    public void The_instance_token_in_the_body_verifies()
    {
        Assert.Equal(WebhookVerification.Verified, Provider.Verify(Normalizing.Request(P.Text), Secrets));
    }

    [Theory]
    [InlineData("apikey")]
    [InlineData("ApiKey")]
    public void The_instance_token_in_an_apikey_header_verifies(string header)
    {
        var body = """{"event":"messages.upsert","instance":"sales","data":{}}""";

        Assert.Equal(WebhookVerification.Verified, Provider.Verify(Normalizing.Request(body, (header, P.ApiKey)), Secrets));
    }

    [Fact]
    public void A_header_and_body_that_disagree_are_forged_whichever_is_right()
    {
        var otherBody = P.Text.Replace(P.ApiKey, "another-instances-key", StringComparison.Ordinal);

        Assert.Equal(WebhookVerification.Forged, Provider.Verify(Normalizing.Request(otherBody, ("apikey", P.ApiKey)), Secrets));
        Assert.Equal(WebhookVerification.Forged, Provider.Verify(Normalizing.Request(P.Text, ("apikey", "another-instances-key")), Secrets));
        Assert.Equal(WebhookVerification.Verified, Provider.Verify(Normalizing.Request(P.Text, ("apikey", P.ApiKey)), Secrets));
    }

    [Theory]
    [InlineData("B6D711FCDE4D4FD5936544120E713977")]
    [InlineData("b6d711fcde4d4fd5936544120e713976")]
    [InlineData("B6D711FCDE4D4FD5936544120E71397")]
    [InlineData("x")]
    public void Another_token_is_forged_in_body_or_header(string token)
    {
        var body = P.Text.Replace(P.ApiKey, token, StringComparison.Ordinal);

        Assert.Equal(WebhookVerification.Forged, Provider.Verify(Normalizing.Request(body), Secrets));
        Assert.Equal(WebhookVerification.Forged, Provider.Verify(Normalizing.Request(P.Text, ("apikey", token)), Secrets));
    }

    [Theory]
    [InlineData("""{"event":"messages.upsert","data":{}}""")]
    [InlineData("""{"event":"messages.upsert","apikey":""}""")]
    [InlineData("""{"event":"messages.upsert","apikey":12345}""")]
    [InlineData("""{"event":"messages.upsert","apikey":null}""")]
    [InlineData("""{"data":{"apikey":"B6D711FCDE4D4FD5936544120E713976"}}""")]
    [InlineData("""["apikey","B6D711FCDE4D4FD5936544120E713976"]""")]
    [InlineData("""{"a":[1,2""")]
    [InlineData("not json")]
    [InlineData("")]
    public void A_body_without_a_top_level_string_token_is_missing(string body)
    {
        Assert.Equal(WebhookVerification.Missing, Provider.Verify(Normalizing.Request(body), Secrets));
    }

    [Fact]
    public void An_instance_without_a_token_accepts_nothing()
    {
        Assert.Equal(WebhookVerification.Forged, Provider.Verify(Normalizing.Request(P.Text), Secrets with { Secret = "" }));
    }

    [Fact]
    public void Sanitize_removes_the_apikey_and_keeps_everything_else()
    {
        var body = Encoding.UTF8.GetBytes(P.Text);

        var stored = Provider.Sanitize(body).ToArray();

        Assert.DoesNotContain(P.ApiKey, Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        var original = JsonNode.Parse(body)!.AsObject();
        original.Remove("apikey");
        Assert.True(JsonNode.DeepEquals(original, JsonNode.Parse(stored)));
    }

    [Theory]
    [InlineData("""{"apikey":"k"}""", """{}""")]
    [InlineData("""{"apikey":"k","a":1}""", """{"a":1}""")]
    [InlineData("""{"a":1,"apikey":"k"}""", """{"a":1}""")]
    [InlineData("""{"a":1,"apikey":"k","b":[1,{"apikey":"nested stays"}]}""", """{"a":1,"b":[1,{"apikey":"nested stays"}]}""")]
    [InlineData("""{ "a" : 1 , "apikey" : "k" }""", """{ "a" : 1 }""")]
    [InlineData("""{"a":1,"apikey":"k","apikey":"k2"}""", """{"a":1}""")]
    [InlineData("""{"apikey":"k","apikey":"k2","a":1}""", """{"a":1}""")]
    [InlineData("""{"apikey":"k","a":1,"apikey":"k2"}""", """{"a":1}""")]
    [InlineData("""{"apikey":"k","apikey":"k2"}""", """{}""")]
    [InlineData("""{"api\u006bey":"k","a":"é ü 😀"}""", """{"a":"é ü 😀"}""")]
    [InlineData("""{"apikey":{"obj":[1,2]},"a":1}""", """{"a":1}""")]
    [InlineData("{\n  \"event\": \"x\",\n  \"apikey\": \"k\"\n}", "{\n  \"event\": \"x\"\n}")]
    public void Sanitize_cuts_every_top_level_apikey_and_leaves_the_rest_byte_for_byte(string body, string expected)
    {
        var stored = Encoding.UTF8.GetString(Provider.Sanitize(Encoding.UTF8.GetBytes(body)).Span);

        Assert.Equal(expected, stored);
        using var _ = JsonDocument.Parse(stored);
    }

    [Theory]
    [InlineData("""{"event":"x","data":{"apikey":"nested"}}""")]
    [InlineData("""[{"apikey":"k"}]""")]
    [InlineData("\"apikey\"")]
    [InlineData("{}")]
    public void Sanitize_leaves_bodies_without_a_top_level_apikey_alone(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);

        var stored = Provider.Sanitize(bytes);

        Assert.True(stored.Span.SequenceEqual(bytes));
    }

    [Fact]
    public void A_text_message_names_sender_recipient_chat_and_time()
    {
        var e = Provider.Single(P.Text);

        Assert.Equal(OmniEventTypes.Message, e.EventType);
        Assert.Equal("3EB0C767D26A1D5E8E0B", e.ProviderEventId);
        Assert.Equal(EventDirections.Inbound, e.Direction);
        Assert.Equal(P.Phone, e.SenderHandle);
        Assert.Equal("Helena Souza", e.SenderName);
        Assert.Empty(e.SenderAliases);
        Assert.Equal(P.Own, e.RecipientHandle);
        Assert.Equal(P.Phone, e.ChatId);
        Assert.Equal(OmniContentTypes.Text, e.ContentType);
        Assert.Equal("Oi, tudo bem?", e.Text);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1753614857), e.ProviderTimestamp);
        Assert.Equal("sales", e.Meta("instance"));
    }

    [Theory]
    [InlineData(nameof(P.LidWithRemoteJidAlt), P.Lid, P.Phone)]
    [InlineData(nameof(P.LidWithSenderPn), P.Lid, P.Phone)]
    [InlineData(nameof(P.PhoneWithLidAlt), P.Phone, P.Lid)]
    [InlineData(nameof(P.GroupWithParticipantAlt), P.Lid, P.Phone)]
    [InlineData(nameof(P.GroupWithParticipantPn), P.Lid, P.Phone)]
    public void A_lid_sender_carries_its_phone_jid_as_an_alias_and_the_other_way_round(string payload, string sender, string alias)
    {
        var e = Provider.Single(Fixture(payload));

        Assert.Equal(sender, e.SenderHandle);
        Assert.Equal([alias], e.SenderAliases);
    }

    [Fact]
    public void A_lid_without_its_phone_jid_has_no_alias()
    {
        var e = Provider.Single(P.LidOnly);

        Assert.Equal(P.Lid, e.SenderHandle);
        Assert.Empty(e.SenderAliases);
    }

    [Fact]
    public void In_a_group_the_sender_is_the_participant_and_the_chat_the_group()
    {
        var e = Provider.Single(P.GroupWithParticipantAlt);

        Assert.Equal(P.Group, e.ChatId);
        Assert.Equal(P.Lid, e.SenderHandle);
        Assert.Equal(P.Own, e.RecipientHandle);
    }

    [Fact]
    public void An_own_message_is_outbound_from_the_instance_and_accepts_the_upper_case_event_name()
    {
        var e = Provider.Single(P.Outbound);

        Assert.Equal(OmniEventTypes.Message, e.EventType);
        Assert.Equal(EventDirections.Outbound, e.Direction);
        Assert.Equal(P.Own, e.SenderHandle);
        Assert.Equal(P.Phone, e.RecipientHandle);
        Assert.Equal(P.Phone, e.ChatId);
        // The recipient's lid is not an alias of ours.
        Assert.Empty(e.SenderAliases);
        Assert.Equal(P.Lid, e.Meta("remote_jid_alt"));
    }

    [Fact]
    public void An_extended_text_reply_points_at_the_quoted_message()
    {
        var e = Provider.Single(P.ExtendedReply);

        Assert.Equal("Sim, pode enviar", e.Text);
        Assert.Equal("3EB0QUOTED", e.ReplyTo);
    }

    [Fact]
    public void An_image_prefers_the_stored_media_url_and_reads_a_string_file_length()
    {
        var e = Provider.Single(P.Image);

        Assert.Equal(OmniContentTypes.Image, e.ContentType);
        Assert.Equal("Comprovante", e.Text);
        Assert.NotNull(e.Media);
        Assert.Equal("https://s3.example.com/evolution/sales/3EB0D1.jpeg", e.Media.Url);
        Assert.Equal("image/jpeg", e.Media.MimeType);
        Assert.Equal(184532, e.Media.Size);
        Assert.Equal("Comprovante", e.Media.Caption);
    }

    [Theory]
    [InlineData(nameof(P.Voice), OmniContentTypes.Audio, "audio/ogg; codecs=opus", 9311L, null)]
    [InlineData(nameof(P.Video), OmniContentTypes.Video, "video/mp4", 2097152L, "Olha isso")]
    [InlineData(nameof(P.Document), OmniContentTypes.Document, "application/pdf", 52311L, "Orçamento")]
    [InlineData(nameof(P.Sticker), OmniContentTypes.Sticker, "image/webp", 23456L, null)]
    public void Media_messages_carry_mime_type_size_caption_and_url(string payload, string contentType, string mime, long size, string? caption)
    {
        var e = Provider.Single(Fixture(payload));

        Assert.Equal(contentType, e.ContentType);
        Assert.NotNull(e.Media);
        Assert.Equal(mime, e.Media.MimeType);
        Assert.Equal(size, e.Media.Size);
        Assert.Equal(caption, e.Media.Caption);
        Assert.StartsWith("https://mmg.whatsapp.net/", e.Media.Url, StringComparison.Ordinal);
        Assert.NotNull(e.Media.ProviderMediaId);
    }

    [Fact]
    public void A_voice_note_a_wrapped_document_and_a_sticker_event()
    {
        Assert.Equal("true", Provider.Single(P.Voice).Meta("voice"));
        Assert.Equal("orcamento.pdf", Provider.Single(P.Document).Meta("file_name"));
        Assert.Equal(OmniEventTypes.Sticker, Provider.Single(P.Sticker).EventType);
    }

    [Fact]
    public void A_reaction_points_at_the_reacted_message_and_an_empty_one_is_a_removal()
    {
        var e = Provider.Single(P.Reaction);
        var removed = Provider.Single(P.ReactionRemoved);

        Assert.Equal(OmniEventTypes.Reaction, e.EventType);
        Assert.Equal("❤️", e.Text);
        Assert.Equal("3EB0REACTED", e.ReplyTo);
        Assert.Equal(OmniEventTypes.Reaction, removed.EventType);
        Assert.Null(removed.Text);
    }

    [Fact]
    public void A_revoke_deletes_the_revoked_message()
    {
        var e = Provider.Single(P.Revoke);

        Assert.Equal(OmniEventTypes.Delete, e.EventType);
        Assert.Equal("3EB0DELETED", e.ReplyTo);
        Assert.Equal("3EB0F1", e.ProviderEventId);
        Assert.Null(e.Text);
    }

    [Theory]
    [InlineData(nameof(P.Edit), "3EB0EDITED", "Oi, tudo bem? (corrigido)")]
    [InlineData(nameof(P.WrappedEdit), "3EB0EDITED2", "texto novo")]
    public void A_message_edit_is_an_edit_of_the_edited_message_with_the_new_text(string payload, string edited, string text)
    {
        var e = Provider.Single(Fixture(payload));

        Assert.Equal(OmniEventTypes.Edit, e.EventType);
        Assert.Equal(edited, e.ReplyTo);
        Assert.Equal(text, e.Text);
        Assert.Equal(OmniContentTypes.Text, e.ContentType);
    }

    [Fact]
    public void A_messages_edited_delivery_is_an_edit_with_the_new_text_and_its_own_id()
    {
        var original = Provider.Single(P.Original);
        var edit = Provider.Single(P.Edited("Oi, tudo bem? (corrigido)"));

        Assert.Equal(OmniEventTypes.Edit, edit.EventType);
        Assert.Equal("Oi, tudo bem? (corrigido)", edit.Text);
        Assert.Equal(OmniContentTypes.Text, edit.ContentType);
        Assert.Equal("3EB0ORIGINAL", edit.ReplyTo);
        Assert.Equal(P.Phone, edit.SenderHandle);
        Assert.NotEqual(original.ProviderEventId, edit.ProviderEventId);
    }

    [Fact]
    public void Two_edits_of_one_message_are_two_events_and_a_redelivered_edit_is_one()
    {
        var first = Provider.Single(P.Edited("first fix", "1753614900000")).ProviderEventId;
        var second = Provider.Single(P.Edited("second fix", "1753614960000")).ProviderEventId;
        var again = Provider.Single(P.Edited("first fix", "1753614900000")).ProviderEventId;

        Assert.NotEqual(first, second);
        Assert.Equal(first, again);
    }

    [Fact]
    public void A_poll_keeps_its_question_and_options()
    {
        var e = Provider.Single(P.Poll);

        Assert.Equal(OmniEventTypes.Poll, e.EventType);
        Assert.Equal(OmniContentTypes.Poll, e.ContentType);
        Assert.Equal("Qual horário?", e.Text);
        Assert.Equal("""["9h","14h","18h"]""", e.Meta("options"));
    }

    [Fact]
    public void A_poll_vote_points_at_its_poll()
    {
        var e = Provider.Single(P.PollVote);

        Assert.Equal(OmniEventTypes.PollVote, e.EventType);
        Assert.Equal("3EB0POLL", e.ReplyTo);
        Assert.NotNull(e.Metadata!["vote"]);
    }

    [Fact]
    public void A_location_and_a_contact_card()
    {
        var location = Provider.Single(P.Location);
        var contact = Provider.Single(P.Contact);

        Assert.Equal(OmniContentTypes.Location, location.ContentType);
        Assert.Equal("Avenida Paulista", location.Text);
        Assert.Equal("-23.5613", location.Meta("latitude"));
        Assert.Equal("-46.6565", location.Meta("longitude"));
        Assert.Equal(OmniContentTypes.Contacts, contact.ContentType);
        Assert.Equal("Carlos Lima", contact.Text);
        Assert.Contains("waid=5511977776666", (string?)contact.Metadata!["contacts"]![0]!["vcard"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_status_update_is_a_status_keyed_by_message_and_status()
    {
        var e = Provider.Single(P.StatusRead);

        Assert.Equal(OmniEventTypes.Status, e.EventType);
        Assert.Equal("read", e.Status);
        Assert.Equal("3EB0I1:read", e.ProviderEventId);
        Assert.Equal("3EB0I1", e.ReplyTo);
        Assert.Equal(EventDirections.Outbound, e.Direction);
        Assert.Equal(P.Own, e.SenderHandle);
        Assert.Equal(P.Phone, e.RecipientHandle);
        Assert.Equal("READ", e.Meta("raw_status"));
    }

    [Fact]
    public void Status_updates_in_an_array_are_one_event_each()
    {
        var events = Provider.Events(P.StatusesV1);

        Assert.Equal(["3EB0I1:delivered", "3EB0I2:sent"], events.Select(e => e.ProviderEventId));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1753614870000), events[0].ProviderTimestamp);
    }

    [Fact]
    public void A_connection_update_is_a_system_event_with_the_state()
    {
        var e = Provider.Single(P.ConnectionOpen);

        Assert.Equal(OmniEventTypes.System, e.EventType);
        Assert.Equal("open", e.Text);
        Assert.Equal("open", e.Meta("state"));
        Assert.Equal("connection.update", e.Meta("event"));
        Assert.Equal(DateTimeOffset.Parse("2025-11-21T21:22:41.518Z", System.Globalization.CultureInfo.InvariantCulture), e.ProviderTimestamp);
    }

    [Fact]
    public void A_messages_delete_is_a_delete()
    {
        var e = Provider.Single(P.Delete);

        Assert.Equal(OmniEventTypes.Delete, e.EventType);
        Assert.Equal("3EB0GONE", e.ReplyTo);
        Assert.Equal("3EB0GONE:delete", e.ProviderEventId);
    }

    [Theory]
    [InlineData("messages.upsert", "messages.upsert")]
    [InlineData("MESSAGES_UPSERT", "messages.upsert")]
    [InlineData("messages-upsert", "messages.upsert")]
    [InlineData("Connection_Update", "connection.update")]
    public void Event_names_in_every_spelling_are_one_event(string name, string canonical)
    {
        Assert.Equal(canonical, EvolutionProvider.CanonicalEventName(name));
    }

    [Fact]
    public void An_event_without_a_normalizer_is_unknown_named_by_its_event()
    {
        var e = Provider.Single(P.Presence);

        Assert.Equal(OmniEventTypes.Unknown, e.EventType);
        Assert.Equal("presence.update", e.Meta("kind"));
    }

    [Theory]
    [MemberData(nameof(Normalizing.UnknownShapes), MemberType = typeof(Normalizing))]
    [InlineData("""{"event":"messages.upsert"}""")]
    [InlineData("""{"event":"messages.upsert","data":"x"}""")]
    [InlineData("""{"event":"messages.update","data":{"status":"READ"}}""")]
    [InlineData("""{"event":"connection.update","data":[]}""")]
    [InlineData("""{"event":42,"data":{}}""")]
    public void Payloads_it_cannot_read_are_one_unknown_event(string json)
    {
        Assert.Equal(OmniEventTypes.Unknown, Provider.Single(json).EventType);
    }

    [Theory]
    [InlineData("""{"event":"messages.upsert","data":{"key":[],"message":"x","messageTimestamp":"soon"}}""")]
    [InlineData("""{"event":"messages.upsert","data":{"key":{"id":1,"fromMe":"yes"},"message":{"protocolMessage":{"type":{"x":1},"key":7}}}}""")]
    [InlineData("""{"event":"messages.upsert","data":{"message":{"ephemeralMessage":{"message":{"ephemeralMessage":{"message":{"viewOnceMessage":{"message":{"editedMessage":{"message":{"documentWithCaptionMessage":{"message":{"conversation":"deep"}}}}}}}}}}}}}""")]
    [InlineData("""{"event":"messages.upsert","data":{"message":{"protocolMessage":{"type":"MESSAGE_EDIT","editedMessage":{"protocolMessage":{"type":"MESSAGE_EDIT","editedMessage":{"conversation":1}}}}}}}""")]
    [InlineData("""{"event":"messages.upsert","data":[{"message":{"imageMessage":{"fileLength":{"low":"a"}}}},5,null]}""")]
    [InlineData("""{"event":"messages.upsert","data":{"message":{"pollCreationMessageV3":{"options":[1,{"optionName":2}]},"contactsArrayMessage":{"contacts":"x"}}}}""")]
    [InlineData("""{"event":"call","data":[{"id":"c1","from":"5511999998888@s.whatsapp.net","status":"offer","isVideo":true,"date":"2025-11-21T21:22:41.000Z"}]}""")]
    public void Odd_shapes_normalize_without_throwing(string json)
    {
        Assert.NotEmpty(Provider.Events(json));
    }

    private static string Fixture(string name) => (string)typeof(P).GetField(name)!.GetValue(null)!;
}
