namespace OmniActors.Tests.Webhooks;

/// <summary>Discord interaction bodies modelled on the Discord developer documentation's Interaction object.</summary>
internal static class DiscordPayloads
{
    public const string Ping = """
        {"app_permissions":"562949953601536","application_id":"1245567890123456789","entitlements":[],
         "id":"1311111111111111111","token":"aW50ZXJhY3Rpb246cGluZw","type":1,"user":{"id":"53908232506183680","username":"mason"},"version":1}
        """;

    public const string SlashCommandInGuild = """
        {"app_permissions":"2248473465835073","application_id":"1245567890123456789",
         "channel":{"id":"1223344556677889900","name":"support","type":0,"guild_id":"290926798626357999"},
         "channel_id":"1223344556677889900",
         "data":{"guild_id":"290926798626357999","id":"1299999999999999999","name":"ticket","type":1,
           "options":[{"name":"priority","type":3,"value":"high"},{"name":"order","type":4,"value":17},{"name":"urgent","type":5,"value":true}]},
         "entitlements":[],"guild_id":"290926798626357999","guild_locale":"en-US",
         "id":"1311111111111111112","locale":"en-GB",
         "member":{"nick":"Mase","roles":["111"],"joined_at":"2017-03-13T19:19:14.040000+00:00","permissions":"2248473465835073",
           "user":{"id":"53908232506183680","username":"mason","global_name":"Mason","avatar":"a_d5efa99b3eeaa7dd43acca82f5692432","discriminator":"0"}},
         "token":"aW50ZXJhY3Rpb246MTMxMTExMTExMTExMTExMTExMjp0b2tlbg","type":2,"version":1}
        """;

    public const string SubcommandInDm = """
        {"application_id":"1245567890123456789","channel_id":"998877665544332211","context":1,
         "data":{"id":"1299999999999999998","name":"order","type":1,
           "options":[{"name":"status","type":1,"options":[{"name":"id","type":3,"value":"A-17"}]}]},
         "id":"1311111111111111113","locale":"pt-BR","token":"dG9rZW4","type":2,
         "user":{"id":"80351110224678912","username":"nelly","global_name":"Nelly"},"version":1}
        """;

    public const string Button = """
        {"application_id":"1245567890123456789","channel_id":"1223344556677889900","guild_id":"290926798626357999",
         "data":{"component_type":2,"custom_id":"approve:task-42"},
         "id":"1311111111111111114",
         "member":{"user":{"id":"53908232506183680","username":"mason","global_name":"Mason"},"roles":[]},
         "message":{"id":"1300000000000000001","channel_id":"1223344556677889900","content":"Approve task 42?","components":[]},
         "token":"dG9rZW4","type":3,"version":1}
        """;

    public const string Select = """
        {"application_id":"1245567890123456789","channel_id":"1223344556677889900",
         "data":{"component_type":3,"custom_id":"class_select_1","values":["mage","rogue"]},
         "id":"1311111111111111115","message":{"id":"1300000000000000002"},
         "user":{"id":"80351110224678912","username":"nelly"},"token":"dG9rZW4","type":3,"version":1}
        """;

    public const string Autocomplete = """
        {"application_id":"1245567890123456789","channel_id":"1223344556677889900",
         "data":{"id":"1299999999999999997","name":"city","type":1,"options":[{"name":"name","type":3,"value":"Ber","focused":true}]},
         "id":"1311111111111111116","user":{"id":"80351110224678912","username":"nelly"},"token":"dG9rZW4","type":4,"version":1}
        """;

    public const string ModalSubmit = """
        {"application_id":"1245567890123456789","channel_id":"1223344556677889900","guild_id":"290926798626357999",
         "data":{"custom_id":"feedback_modal","components":[
           {"type":1,"components":[{"type":4,"custom_id":"subject","value":"Great bot"}]},
           {"type":1,"components":[{"type":4,"custom_id":"details","value":"Works well.\nThanks!"}]},
           {"type":18,"id":3,"component":{"type":3,"custom_id":"rating","values":["5"]}}]},
         "id":"1311111111111111117",
         "member":{"user":{"id":"53908232506183680","username":"mason"}},
         "token":"dG9rZW4","type":5,"version":1}
        """;
}
