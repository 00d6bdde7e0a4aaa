namespace OmniActors.Tests.Webhooks;

/// <summary>Evolution API v2 webhook bodies modelled on what its Baileys channel sends (envelope plus Baileys WAMessage).</summary>
internal static class EvolutionPayloads
{
    public const string ApiKey = "B6D711FCDE4D4FD5936544120E713976";
    public const string Own = "5511988887777@s.whatsapp.net";
    public const string Phone = "5511999998888@s.whatsapp.net";
    public const string Lid = "103899771998284@lid";
    public const string Group = "120363041967849074@g.us";

    /// <summary>The envelope around <paramref name="data"/>, as Evolution posts it.</summary>
    public static string Envelope(string @event, string data) => $$$"""
        {"event":"{{{@event}}}","instance":"sales",
         "data":{{{data}}},
         "destination":"https://omni.example.com/webhooks/evolution/sales",
         "date_time":"2025-11-21T21:22:41.518Z",
         "sender":"{{{Own}}}",
         "server_url":"http://evolution:8080",
         "apikey":"{{{ApiKey}}}"}
        """;

    /// <summary>A messages.upsert from <paramref name="remoteJid"/> whose <c>message</c> is <paramref name="message"/>.</summary>
    public static string Upsert(string id, string message, string messageType, string keyExtra = "", string remoteJid = Phone,
        bool fromMe = false, string @event = "messages.upsert", string dataExtra = "") => Envelope(@event, $$$"""
        {"key":{"remoteJid":"{{{remoteJid}}}","fromMe":{{{(fromMe ? "true" : "false")}}},"id":"{{{id}}}"{{{keyExtra}}}},
         "pushName":"Helena Souza","status":"DELIVERY_ACK",
         "message":{{{message}}},
         "messageType":"{{{messageType}}}","messageTimestamp":1753614857,
         "instanceId":"bae4c1f0-7c2d-4a4e-9b1e-3f2a1c0d9e8f","source":"android"{{{dataExtra}}}}
        """);

    public static readonly string Text = Upsert("3EB0C767D26A1D5E8E0B",
        """{"conversation":"Oi, tudo bem?","messageContextInfo":{"deviceListMetadataVersion":2}}""", "conversation");

    public static readonly string LidWithRemoteJidAlt = Upsert("3EB0A1", """{"conversation":"via lid"}""", "conversation",
        keyExtra: $$""","remoteJidAlt":"{{Phone}}","addressingMode":"lid" """, remoteJid: Lid);

    public static readonly string LidWithSenderPn = Upsert("3EB0A2", """{"conversation":"via lid, 2.3.0"}""", "conversation",
        keyExtra: $$""","senderPn":"{{Phone}}" """, remoteJid: Lid);

    public static readonly string PhoneWithLidAlt = Upsert("3EB0A3", """{"conversation":"pn first"}""", "conversation",
        keyExtra: $$""","remoteJidAlt":"{{Lid}}","addressingMode":"pn" """);

    public static readonly string LidOnly = Upsert("3EB0A4", """{"conversation":"only lid"}""", "conversation", remoteJid: Lid);

    public static readonly string GroupWithParticipantAlt = Upsert("3EB0B1", """{"conversation":"bom dia grupo"}""", "conversation",
        keyExtra: $$""","participant":"{{Lid}}","participantAlt":"{{Phone}}" """, remoteJid: Group);

    public static readonly string GroupWithParticipantPn = Upsert("3EB0B2", """{"conversation":"bom dia"}""", "conversation",
        keyExtra: $$""","participant":"{{Lid}}","participantPn":"{{Phone}}" """, remoteJid: Group);

    public static readonly string ExtendedReply = Upsert("3EB0C1", """
        {"extendedTextMessage":{"text":"Sim, pode enviar","contextInfo":{"stanzaId":"3EB0QUOTED","participant":"5511988887777@s.whatsapp.net",
          "quotedMessage":{"conversation":"Posso enviar o orçamento?"}}}}
        """, "extendedTextMessage");

    public static readonly string Image = Upsert("3EB0D1", """
        {"imageMessage":{"url":"https://mmg.whatsapp.net/o1/v/t62.7118-24/f1/m231/up-oil-image.enc","mimetype":"image/jpeg",
          "caption":"Comprovante","fileSha256":"Qm8x0C5m3kq6cF3yJg==","fileLength":"184532","height":1280,"width":960,
          "mediaKey":"p7nV0QeFh2Yq==","directPath":"/o1/v/t62.7118-24/f1/m231/up-oil-image.enc?ccb=9-4","jpegThumbnail":"/9j/4AAQSkZJRg=="}}
        """, "imageMessage", dataExtra: ""","mediaUrl":"https://s3.example.com/evolution/sales/3EB0D1.jpeg" """);

    public static readonly string Voice = Upsert("3EB0D2", """
        {"audioMessage":{"url":"https://mmg.whatsapp.net/v/t62.7117-24/audio.enc","mimetype":"audio/ogg; codecs=opus","fileLength":{"low":9311,"high":0,"unsigned":true},
          "seconds":4,"ptt":true,"directPath":"/v/t62.7117-24/audio.enc"}}
        """, "audioMessage");

    public static readonly string Video = Upsert("3EB0D3", """
        {"videoMessage":{"url":"https://mmg.whatsapp.net/v/t62.7161-24/video.enc","mimetype":"video/mp4","caption":"Olha isso",
          "fileLength":2097152,"seconds":12,"directPath":"/v/t62.7161-24/video.enc"}}
        """, "videoMessage");

    public static readonly string Document = Upsert("3EB0D4", """
        {"documentWithCaptionMessage":{"message":{"documentMessage":{"url":"https://mmg.whatsapp.net/v/t62.7119-24/doc.enc",
          "mimetype":"application/pdf","title":"orcamento.pdf","fileName":"orcamento.pdf","fileLength":"52311","caption":"Orçamento",
          "directPath":"/v/t62.7119-24/doc.enc"}}}}
        """, "documentWithCaptionMessage");

    public static readonly string Sticker = Upsert("3EB0D5", """
        {"stickerMessage":{"url":"https://mmg.whatsapp.net/v/t62.15575-24/sticker.enc","mimetype":"image/webp","fileLength":"23456",
          "isAnimated":false,"directPath":"/v/t62.15575-24/sticker.enc"}}
        """, "stickerMessage");

    public static readonly string Reaction = Upsert("3EB0E1", """
        {"reactionMessage":{"key":{"remoteJid":"5511999998888@s.whatsapp.net","fromMe":true,"id":"3EB0REACTED"},"text":"❤️","senderTimestampMs":"1753614860000"}}
        """, "reactionMessage");

    public static readonly string ReactionRemoved = Upsert("3EB0E2", """
        {"reactionMessage":{"key":{"remoteJid":"5511999998888@s.whatsapp.net","fromMe":true,"id":"3EB0REACTED"},"text":""}}
        """, "reactionMessage");

    public static readonly string Revoke = Upsert("3EB0F1", """
        {"protocolMessage":{"key":{"remoteJid":"5511999998888@s.whatsapp.net","fromMe":false,"id":"3EB0DELETED"},"type":"REVOKE"}}
        """, "protocolMessage");

    public static readonly string Edit = Upsert("3EB0F2", """
        {"protocolMessage":{"key":{"remoteJid":"5511999998888@s.whatsapp.net","fromMe":false,"id":"3EB0EDITED"},"type":"MESSAGE_EDIT",
          "editedMessage":{"conversation":"Oi, tudo bem? (corrigido)"},"timestampMs":"1753614900000"}}
        """, "protocolMessage");

    public static readonly string WrappedEdit = Upsert("3EB0F3", """
        {"editedMessage":{"message":{"protocolMessage":{"key":{"remoteJid":"5511999998888@s.whatsapp.net","fromMe":false,"id":"3EB0EDITED2"},
          "type":14,"editedMessage":{"extendedTextMessage":{"text":"texto novo"}}}}}}
        """, "editedMessage");

    /// <summary>messages.edited as Evolution v2 posts it: the protocol message itself, under the edited message's key.</summary>
    public static string Edited(string text, string timestampMs = "1753614900000") => Envelope("messages.edited", $$$"""
        {"key":{"remoteJid":"{{{Phone}}}","fromMe":false,"id":"3EB0ORIGINAL"},"type":"MESSAGE_EDIT",
         "editedMessage":{"conversation":"{{{text}}}"},"timestampMs":"{{{timestampMs}}}"}
        """);

    /// <summary>The message the <see cref="Edited"/> payloads edit.</summary>
    public static readonly string Original = Upsert("3EB0ORIGINAL", """{"conversation":"Oi, tudo bem?"}""", "conversation");

    public static readonly string Poll = Upsert("3EB0G1", """
        {"pollCreationMessageV3":{"name":"Qual horário?","options":[{"optionName":"9h"},{"optionName":"14h"},{"optionName":"18h"}],
          "selectableOptionsCount":1},"messageContextInfo":{"messageSecret":"c2VjcmV0"}}
        """, "pollCreationMessageV3");

    public static readonly string PollVote = Upsert("3EB0G2", """
        {"pollUpdateMessage":{"pollCreationMessageKey":{"remoteJid":"5511999998888@s.whatsapp.net","fromMe":true,"id":"3EB0POLL"},
          "vote":{"encPayload":"dm90ZQ==","encIv":"aXY="},"senderTimestampMs":"1753614950000"}}
        """, "pollUpdateMessage");

    public static readonly string Location = Upsert("3EB0H1", """
        {"locationMessage":{"degreesLatitude":-23.5613,"degreesLongitude":-46.6565,"name":"Avenida Paulista","address":"Av. Paulista, 1578 - São Paulo"}}
        """, "locationMessage");

    public static readonly string Contact = Upsert("3EB0H2", """
        {"contactMessage":{"displayName":"Carlos Lima","vcard":"BEGIN:VCARD\nVERSION:3.0\nFN:Carlos Lima\nTEL;type=CELL;waid=5511977776666:+55 11 97777-6666\nEND:VCARD"}}
        """, "contactMessage");

    public static readonly string Outbound = Upsert("3EB0I1", """{"conversation":"Seu pedido saiu para entrega"}""", "conversation",
        keyExtra: $$""","remoteJidAlt":"{{Lid}}" """, fromMe: true, @event: "MESSAGES_UPSERT");

    public static readonly string StatusRead = Envelope("messages.update", $$"""
        {"messageId":"cm3k0x1y20001abcd","keyId":"3EB0I1","remoteJid":"{{Phone}}","fromMe":true,
         "participant":"{{Phone}}","status":"READ","instanceId":"bae4c1f0-7c2d-4a4e-9b1e-3f2a1c0d9e8f"}
        """);

    public static readonly string StatusesV1 = Envelope("MESSAGES_UPDATE", $$"""
        [{"id":"3EB0I1","remoteJid":"{{Phone}}","fromMe":true,"status":"DELIVERY_ACK","datetime":1753614870000,"owner":"sales"},
         {"id":"3EB0I2","remoteJid":"{{Phone}}","fromMe":true,"status":"SERVER_ACK","datetime":1753614871000,"owner":"sales"}]
        """);

    public static readonly string ConnectionOpen = Envelope("CONNECTION_UPDATE", """
        {"instance":"sales","wuid":"5511988887777@s.whatsapp.net","profileName":"Loja","profilePictureUrl":null,"state":"open","statusReason":200}
        """);

    public static readonly string Delete = Envelope("messages.delete", $$"""
        {"remoteJid":"{{Phone}}","fromMe":false,"id":"3EB0GONE"}
        """);

    public static readonly string Presence = Envelope("presence.update", """
        {"id":"5511999998888@s.whatsapp.net","presences":{"5511999998888@s.whatsapp.net":{"lastKnownPresence":"composing"}}}
        """);
}
