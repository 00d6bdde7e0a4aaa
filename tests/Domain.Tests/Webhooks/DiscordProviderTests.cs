using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Math.EC.Rfc8032;
using OmniActors.Webhooks;
using OmniActors.Webhooks.Providers;
using P = OmniActors.Tests.Webhooks.DiscordPayloads;

namespace OmniActors.Tests.Webhooks;

/// <summary>Discord: Ed25519 over timestamp and body, PING answered with PONG, and the interaction normalizer.</summary>
public sealed class DiscordProviderTests
{
    private static readonly DiscordProvider Provider = new();

    // RFC 8032 section 7.1, TEST 3: its key, also used to sign a Discord request with openssl (see below).
    private const string Rfc8032Test3PublicKey = "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025";

    /// <summary>A freshly generated key pair, its public key as the instance secret.</summary>
    private sealed class KeyPair
    {
        public byte[] Private { get; } = RandomNumberGenerator.GetBytes(Ed25519.SecretKeySize);
        public byte[] Public { get; } = new byte[Ed25519.PublicKeySize];

        public KeyPair() => Ed25519.GeneratePublicKey(Private, 0, Public, 0);

        public WebhookInstanceSecrets Secrets => new("discord", "bot", Convert.ToHexStringLower(Public));

        public string Sign(string timestamp, string body)
        {
            var message = Encoding.UTF8.GetBytes(timestamp + body);
            var signature = new byte[Ed25519.SignatureSize];
            Ed25519.Sign(Private, 0, message, 0, message.Length, signature, 0);
            return Convert.ToHexStringLower(signature);
        }
    }

    private static WebhookRequest Signed(string body, string signature, string timestamp) =>
        Normalizing.Request(body, (DiscordProvider.SignatureHeader, signature), (DiscordProvider.TimestampHeader, timestamp));

    [Theory]
    // RFC 8032 section 7.1, TEST 2 (message 0x72) and TEST 3 (message 0xaf82), checked against openssl.
    [InlineData("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")]
    [InlineData(Rfc8032Test3PublicKey, "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a")]
    public void The_rfc_8032_vectors_verify(string publicKey, string message, string signature)
    {
        Assert.True(DiscordProvider.VerifySignature(Convert.FromHexString(publicKey), Convert.FromHexString(signature), "", Convert.FromHexString(message)));
        var tampered = Convert.FromHexString(message);
        tampered[0] ^= 1;
        Assert.False(DiscordProvider.VerifySignature(Convert.FromHexString(publicKey), Convert.FromHexString(signature), "", tampered));
    }

    [Fact]
    public void A_request_signed_by_openssl_verifies()
    {
        // openssl pkeyutl -sign -rawin with the RFC 8032 TEST 3 key over "1735689600" followed by this body.
        const string body = """{"application_id":"1245567890123456789","id":"1311111111111111111","token":"aW50ZXJhY3Rpb246MTMxMTExMTExMTExMTExMTExMTpzZWNyZXQ","type":1,"version":1}""";
        const string signature = "c35d00c2bcd4040b2c18670fd55bf96fc036817b78fd17aa914d689ace68db3151cf648cac2dd59a0f1c3a0677a1170518b334414753c9d87bb3d3145b88dd04";
        var secrets = new WebhookInstanceSecrets("discord", "bot", Rfc8032Test3PublicKey);

        Assert.Equal(WebhookVerification.Verified, Provider.Verify(Signed(body, signature, "1735689600"), secrets));
        Assert.Equal(WebhookVerification.Forged, Provider.Verify(Signed(body, signature, "1735689601"), secrets));
    }

    [Fact]
    public void A_request_signed_with_the_application_key_verifies_in_either_hex_case()
    {
        var keys = new KeyPair();
        var signature = keys.Sign("1735689600", P.SlashCommandInGuild);

        Assert.Equal(WebhookVerification.Verified, Provider.Verify(Signed(P.SlashCommandInGuild, signature, "1735689600"), keys.Secrets));
        Assert.Equal(WebhookVerification.Verified,
            Provider.Verify(Signed(P.SlashCommandInGuild, signature.ToUpperInvariant(), "1735689600"), keys.Secrets with { Secret = keys.Secrets.Secret.ToUpperInvariant() }));
    }

    [Fact]
    public void A_tampered_body_or_timestamp_is_forged()
    {
        var keys = new KeyPair();
        var signature = keys.Sign("1735689600", P.SlashCommandInGuild);

        Assert.Equal(WebhookVerification.Forged,
            Provider.Verify(Signed(P.SlashCommandInGuild.Replace("high", "low", StringComparison.Ordinal), signature, "1735689600"), keys.Secrets));
        Assert.Equal(WebhookVerification.Forged, Provider.Verify(Signed(P.SlashCommandInGuild, signature, "1735689700"), keys.Secrets));
        Assert.Equal(WebhookVerification.Forged, Provider.Verify(Signed(P.SlashCommandInGuild + " ", signature, "1735689600"), keys.Secrets));
    }

    [Fact]
    public void A_signature_by_another_key_is_forged()
    {
        var keys = new KeyPair();
        var other = new KeyPair();

        Assert.Equal(WebhookVerification.Forged,
            Provider.Verify(Signed(P.Ping, other.Sign("1735689600", P.Ping), "1735689600"), keys.Secrets));
    }

    [Fact]
    public void A_malleated_signature_with_s_plus_the_group_order_is_forged()
    {
        var keys = new KeyPair();
        var signature = Convert.FromHexString(keys.Sign("1735689600", P.Ping));
        var order = BigInteger.Pow(2, 252) + BigInteger.Parse("27742317777372353535851937790883648493", System.Globalization.CultureInfo.InvariantCulture);
        var s = new BigInteger(signature.AsSpan(32), isUnsigned: true, isBigEndian: false) + order;
        var malleated = signature.ToArray();
        Assert.True(s.TryWriteBytes(malleated.AsSpan(32), out _, isUnsigned: true, isBigEndian: false));

        Assert.Equal(WebhookVerification.Forged, Provider.Verify(Signed(P.Ping, Convert.ToHexStringLower(malleated), "1735689600"), keys.Secrets));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(63)]
    public void A_signature_with_one_flipped_bit_is_forged(int index)
    {
        var keys = new KeyPair();
        var signature = Convert.FromHexString(keys.Sign("1735689600", P.Ping));
        signature[index] ^= 0x10;

        Assert.Equal(WebhookVerification.Forged, Provider.Verify(Signed(P.Ping, Convert.ToHexStringLower(signature), "1735689600"), keys.Secrets));
    }

    [Theory]
    [InlineData(127)]
    [InlineData(126)]
    [InlineData(130)]
    [InlineData(64)]
    public void A_signature_of_the_wrong_length_is_forged(int hexLength)
    {
        var keys = new KeyPair();
        var signature = (keys.Sign("1735689600", P.Ping) + "00")[..Math.Min(hexLength, 130)];

        Assert.Equal(WebhookVerification.Forged, Provider.Verify(Signed(P.Ping, signature, "1735689600"), keys.Secrets));
    }

    [Fact]
    public void A_non_hex_signature_is_forged()
    {
        var keys = new KeyPair();
        var signature = "zz" + keys.Sign("1735689600", P.Ping)[2..];

        Assert.Equal(WebhookVerification.Forged, Provider.Verify(Signed(P.Ping, signature, "1735689600"), keys.Secrets));
    }

    [Fact]
    public void A_missing_signature_or_timestamp_is_missing()
    {
        var keys = new KeyPair();
        var signature = keys.Sign("1735689600", P.Ping);

        Assert.Equal(WebhookVerification.Missing, Provider.Verify(Normalizing.Request(P.Ping), keys.Secrets));
        Assert.Equal(WebhookVerification.Missing,
            Provider.Verify(Normalizing.Request(P.Ping, (DiscordProvider.SignatureHeader, signature)), keys.Secrets));
        Assert.Equal(WebhookVerification.Missing,
            Provider.Verify(Normalizing.Request(P.Ping, (DiscordProvider.TimestampHeader, "1735689600")), keys.Secrets));
        Assert.Equal(WebhookVerification.Missing, Provider.Verify(Signed(P.Ping, "", "1735689600"), keys.Secrets));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not hex at all")]
    [InlineData("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb9115489080")]
    [InlineData("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb91154890802500")]
    public void A_misconfigured_public_key_verifies_nothing(string publicKey)
    {
        const string signature = "c35d00c2bcd4040b2c18670fd55bf96fc036817b78fd17aa914d689ace68db3151cf648cac2dd59a0f1c3a0677a1170518b334414753c9d87bb3d3145b88dd04";

        Assert.Equal(WebhookVerification.Forged, Provider.Verify(Signed(P.Ping, signature, "1735689600"), new("discord", "bot", publicKey)));
    }

    [Fact]
    public void A_ping_is_answered_with_a_pong_and_nothing_else_is()
    {
        using var ping = System.Text.Json.JsonDocument.Parse(P.Ping);
        using var command = System.Text.Json.JsonDocument.Parse(P.SlashCommandInGuild);
        using var scalar = System.Text.Json.JsonDocument.Parse("1");

        Assert.Equal("""{"type":1}""", Provider.ImmediateReply(ping.RootElement));
        Assert.Null(Provider.ImmediateReply(command.RootElement));
        Assert.Null(Provider.ImmediateReply(scalar.RootElement));
    }

    [Fact]
    public void A_ping_is_one_system_event()
    {
        var e = Provider.Single(P.Ping);

        Assert.Equal(OmniEventTypes.System, e.EventType);
        Assert.Equal("1311111111111111111", e.ProviderEventId);
    }

    [Fact]
    public void A_slash_command_in_a_guild_reads_as_a_command_line()
    {
        var e = Provider.Single(P.SlashCommandInGuild);

        Assert.Equal(OmniEventTypes.Interaction, e.EventType);
        Assert.Equal(OmniContentTypes.Command, e.ContentType);
        Assert.Equal("/ticket priority=high order=17 urgent=true", e.Text);
        Assert.Equal("1311111111111111112", e.ProviderEventId);
        Assert.Equal("53908232506183680", e.SenderHandle);
        Assert.Equal("Mase", e.SenderName);
        Assert.Equal("1223344556677889900", e.ChatId);
        Assert.Equal("1245567890123456789", e.RecipientHandle);
        Assert.Equal("ticket", e.Meta("command_name"));
        Assert.Equal("""{"priority":"high","order":17,"urgent":true}""", e.Meta("options"));
        Assert.Equal("290926798626357999", e.Meta("guild_id"));
        Assert.NotNull(e.Meta("interaction_token"));
        // Snowflake 1311111111111111112: (id >> 22) + the Discord epoch, computed apart with Python.
        Assert.Equal(new DateTimeOffset(2024, 11, 26, 23, 27, 28, 155, TimeSpan.Zero), e.ProviderTimestamp);
    }

    [Fact]
    public void A_subcommand_in_a_dm_names_the_user_and_the_subcommand()
    {
        var e = Provider.Single(P.SubcommandInDm);

        Assert.Equal("/order status id=A-17", e.Text);
        Assert.Equal("80351110224678912", e.SenderHandle);
        Assert.Equal("Nelly", e.SenderName);
        Assert.Equal("998877665544332211", e.ChatId);
        Assert.Null(e.Meta("guild_id"));
    }

    [Fact]
    public void A_button_click_carries_its_custom_id_and_message()
    {
        var e = Provider.Single(P.Button);

        Assert.Equal(OmniEventTypes.Interaction, e.EventType);
        Assert.Equal(OmniContentTypes.Interactive, e.ContentType);
        Assert.Equal("approve:task-42", e.Text);
        Assert.Equal("approve:task-42", e.Meta("custom_id"));
        Assert.Equal("2", e.Meta("component_type"));
        Assert.Equal("1300000000000000001", e.ReplyTo);
        Assert.Equal("Mason", e.SenderName);
    }

    [Fact]
    public void A_select_carries_its_values()
    {
        var e = Provider.Single(P.Select);

        Assert.Equal("class_select_1", e.Text);
        Assert.Equal("""["mage","rogue"]""", e.Meta("values"));
        Assert.Equal("80351110224678912", e.SenderHandle);
    }

    [Fact]
    public void Autocomplete_names_the_focused_option()
    {
        var e = Provider.Single(P.Autocomplete);

        Assert.Equal(OmniEventTypes.Interaction, e.EventType);
        Assert.Equal("/city name=Ber", e.Text);
        Assert.Equal("autocomplete", e.Meta("interaction_type"));
        Assert.Equal("name", e.Meta("focused_option"));
    }

    [Fact]
    public void A_modal_submit_collects_every_field_in_rows_and_labels()
    {
        var e = Provider.Single(P.ModalSubmit);

        Assert.Equal(OmniEventTypes.Interaction, e.EventType);
        Assert.Equal("feedback_modal", e.Text);
        var fields = e.Metadata!["fields"]!;
        Assert.Equal("Great bot", (string?)fields["subject"]);
        Assert.Equal("Works well.\nThanks!", (string?)fields["details"]);
        Assert.Equal("5", (string?)fields["rating"]![0]);
    }

    [Fact]
    public void An_unknown_interaction_type_is_unknown_but_keeps_its_id()
    {
        var e = Provider.Single("""{"id":"1311111111111111118","type":99,"application_id":"1"}""");

        Assert.Equal(OmniEventTypes.Unknown, e.EventType);
        Assert.Equal("1311111111111111118", e.ProviderEventId);
        Assert.Equal("99", e.Meta("kind"));
    }

    [Theory]
    [MemberData(nameof(Normalizing.UnknownShapes), MemberType = typeof(Normalizing))]
    public void Payloads_that_are_no_interaction_are_one_unknown_event(string json)
    {
        Assert.Equal(OmniEventTypes.Unknown, Provider.Single(json).EventType);
    }

    [Theory]
    [InlineData("""{"id":"x","type":2,"data":"x","member":[],"user":7}""")]
    [InlineData("""{"id":"1","type":2,"data":{"name":"a","options":[1,{"name":"b"},{"name":"c","value":{"o":1}},{"name":"d","options":"x"}]}}""")]
    [InlineData("""{"id":"1","type":2,"data":{"name":"a","options":[{"name":"g","type":2,"options":[{"name":"s","type":1,"options":[{"name":"o","options":[{"name":"p","options":[{"name":"q","value":1}]}]}]}]}]}}""")]
    [InlineData("""{"id":"1","type":3,"data":{"custom_id":5,"values":"x"},"message":[]}""")]
    [InlineData("""{"id":"1","type":5,"data":{"components":[1,null,{"components":{"x":1}},{"component":[]},{"custom_id":"a","value":null}]}}""")]
    [InlineData("""{"id":"99999999999999999999999","type":"2"}""")]
    public void Odd_shapes_normalize_without_throwing(string json)
    {
        Assert.NotEmpty(Provider.Events(json));
    }
}
