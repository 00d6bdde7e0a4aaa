namespace OmniActors.Tests.Webhooks;

/// <summary>WhatsApp Cloud API webhook payloads modelled on Meta's documented examples for the <c>messages</c> field.</summary>
internal static class WhatsAppCloudPayloads
{
    public const string Business = "15550783881";
    public const string PhoneNumberId = "106540352242922";
    public const string Customer = "16505551234";

    /// <summary>The documented envelope around one change value whose other members are <paramref name="members"/>.</summary>
    public static string Change(string members) => $$$"""
        {"object":"whatsapp_business_account",
         "entry":[{"id":"102290129340398",
           "changes":[{"field":"messages",
             "value":{"messaging_product":"whatsapp",
               "metadata":{"display_phone_number":"{{{Business}}}","phone_number_id":"{{{PhoneNumberId}}}"},
               {{{members}}}
             }}]}]}
        """;

    private const string Contact = """
        "contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}]
        """;

    /// <summary>One inbound message from the customer, <paramref name="body"/> being its type-specific members.</summary>
    public static string Message(string id, string body) => Change($$$"""
        {{{Contact}}},
        "messages":[{"from":"{{{Customer}}}","id":"{{{id}}}","timestamp":"1749416383",
          {{{body}}}
        }]
        """);

    public static readonly string Text = Message("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
        """ "type":"text","text":{"body":"Does it come in another color?"} """);

    public const string Group = "120363025246125888";

    /// <summary>A message to a group (Groups API): the message names its group in <c>group_id</c>.</summary>
    public static readonly string GroupText = Change($$$"""
        {{{Contact}}},
        "messages":[{"from":"{{{Customer}}}","group_id":"{{{Group}}}","id":"wamid.group1","timestamp":"1749416383",
          "type":"text","text":{"body":"Hello everyone"}
        }]
        """);

    public static readonly string Reply = Message("wamid.reply1", """
        "context":{"from":"15550783881","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MUI1Q0FFRTU3RkE4QjlGNjMA"},
        "type":"text","text":{"body":"Yes, the blue one please"}
        """);

    public static readonly string Image = Message("wamid.image1", """
        "type":"image","image":{"caption":"Here is the receipt","mime_type":"image/jpeg",
          "sha256":"8d5f0d3a1e8c2c1c3b4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c","id":"1003383421387256"}
        """);

    public static readonly string Audio = Message("wamid.audio1", """
        "type":"audio","audio":{"mime_type":"audio/ogg; codecs=opus","sha256":"aGVsbG8=","id":"1023456789012345","voice":true}
        """);

    public static readonly string Video = Message("wamid.video1", """
        "type":"video","video":{"caption":"Unboxing","mime_type":"video/mp4","sha256":"dmlkZW8=","id":"1034567890123456"}
        """);

    public static readonly string Document = Message("wamid.doc1", """
        "type":"document","document":{"caption":"Invoice","filename":"invoice-17.pdf","mime_type":"application/pdf",
          "sha256":"ZG9j","id":"1045678901234567"}
        """);

    public static readonly string Sticker = Message("wamid.sticker1", """
        "type":"sticker","sticker":{"mime_type":"image/webp","sha256":"c3RpY2tlcg==","id":"1056789012345678","animated":false}
        """);

    public static readonly string Location = Message("wamid.location1", """
        "type":"location","location":{"address":"1 Hacker Way, Menlo Park, CA 94025","latitude":37.483253,
          "longitude":-122.148981,"name":"Main Office","url":"https://www.example.com"}
        """);

    public static readonly string Contacts = Message("wamid.contacts1", """
        "type":"contacts","contacts":[{
          "addresses":[{"city":"Menlo Park","country":"United States","country_code":"us","state":"CA","street":"1 Hacker Way","type":"WORK","zip":"94025"}],
          "birthday":"2012-08-18",
          "emails":[{"email":"kfitzgerald@example.com","type":"WORK"}],
          "name":{"formatted_name":"Kerry Fitzgerald","first_name":"Kerry","last_name":"Fitzgerald"},
          "org":{"company":"Meta","department":"Sales","title":"Manager"},
          "phones":[{"phone":"+1 (415) 341-8386","wa_id":"14153418386","type":"WORK"}],
          "urls":[{"url":"https://www.example.com","type":"WORK"}]}]
        """);

    public static readonly string Reaction = Message("wamid.reaction1", """
        "type":"reaction","reaction":{"message_id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MUI1Q0FFRTU3RkE4QjlGNjMA","emoji":"\uD83D\uDE00"}
        """);

    public static readonly string ReactionRemoved = Message("wamid.reaction2", """
        "type":"reaction","reaction":{"message_id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MUI1Q0FFRTU3RkE4QjlGNjMA"}
        """);

    public static readonly string ButtonReply = Message("wamid.button_reply1", """
        "context":{"from":"15550783881","id":"wamid.interactive_question"},
        "type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"confirm-order-17","title":"Confirm"}}
        """);

    public static readonly string ListReply = Message("wamid.list_reply1", """
        "context":{"from":"15550783881","id":"wamid.list_question"},
        "type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"slot-0900","title":"9:00","description":"Tomorrow morning"}}
        """);

    public static readonly string TemplateButton = Message("wamid.button1", """
        "context":{"from":"15550783881","id":"wamid.template_message"},
        "type":"button","button":{"payload":"STOP_PROMOTIONS","text":"Stop promotions"}
        """);

    public static readonly string Unsupported = Message("wamid.unsupported1", """
        "type":"unsupported","errors":[{"code":131051,"title":"Message type unknown","message":"Message type unknown",
          "error_data":{"details":"Message type is currently not supported."}}]
        """);

    public static string Statuses(params string[] statuses) => Change("\"statuses\":[" + string.Join(",", statuses.Select(Status)) + "]");

    public static string Status(string status) => status == "failed"
        ? """
          {"id":"wamid.outbound1","status":"failed","timestamp":"1750263800","recipient_id":"16505551234",
           "errors":[{"code":131050,"title":"Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business",
             "message":"Unable to deliver the message.","error_data":{"details":"..."}}]}
          """
        : $$$"""
          {"id":"wamid.outbound1","status":"{{{status}}}","timestamp":"1750263773","recipient_id":"16505551234",
           "conversation":{"id":"6ceb9d929c1a1f5cbd1f25ab3e7d9b72","expiration_timestamp":"1750350180","origin":{"type":"utility"}},
           "pricing":{"billable":true,"pricing_model":"PMP","category":"utility","type":"regular"}}
          """;

    /// <summary>Two entries, the first with two messages from two people, the second with a status.</summary>
    public const string Batched = """
        {"object":"whatsapp_business_account","entry":[
          {"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",
            "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
            "contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"},{"profile":{"name":"Ravi"},"wa_id":"919876543210"}],
            "messages":[
              {"from":"919876543210","id":"wamid.m2","timestamp":"1749416390","type":"text","text":{"body":"Second"}},
              {"from":"16505551234","id":"wamid.m1","timestamp":"1749416383","type":"text","text":{"body":"First"}}]}}]},
          {"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",
            "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
            "statuses":[{"id":"wamid.outbound9","status":"read","timestamp":"1749416395","recipient_id":"919876543210"}]}}]}]}
        """;

    public const string TemplateStatusUpdate = """
        {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","time":1749416400,
          "changes":[{"field":"message_template_status_update",
            "value":{"event":"APPROVED","message_template_id":12345678,"message_template_name":"order_update","message_template_language":"en_US","reason":"NONE"}}]}]}
        """;
}
