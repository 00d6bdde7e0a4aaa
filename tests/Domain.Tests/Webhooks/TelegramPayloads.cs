namespace OmniActors.Tests.Webhooks;

/// <summary>Telegram Bot API updates modelled on the Bot API documentation's Update and Message objects.</summary>
internal static class TelegramPayloads
{
    public const string Text = """
        {"update_id":10000,
         "message":{"message_id":1365,"date":1441645532,
           "from":{"id":1111111,"is_bot":false,"first_name":"Alice","last_name":"Test","username":"alicetest","language_code":"en"},
           "chat":{"id":1111111,"first_name":"Alice","last_name":"Test","username":"alicetest","type":"private"},
           "text":"Hello bot"}}
        """;

    public const string Command = """
        {"update_id":10001,
         "message":{"message_id":1366,"date":1441645533,
           "from":{"id":1111111,"is_bot":false,"first_name":"Alice"},
           "chat":{"id":1111111,"type":"private"},
           "text":"/start promo42",
           "entities":[{"offset":0,"length":6,"type":"bot_command"}]}}
        """;

    public const string Reply = """
        {"update_id":10002,
         "message":{"message_id":1367,"date":1441645534,
           "from":{"id":2222222,"is_bot":false,"first_name":"Bob"},
           "chat":{"id":-1001234567890,"title":"Team","type":"supergroup"},
           "reply_to_message":{"message_id":1300,"date":1441645000,
             "from":{"id":3333333,"is_bot":true,"first_name":"OmniBot","username":"omni_bot"},
             "chat":{"id":-1001234567890,"title":"Team","type":"supergroup"},"text":"Ping?"},
           "text":"Pong"}}
        """;

    public const string Edited = """
        {"update_id":10003,
         "edited_message":{"message_id":1365,"date":1441645532,"edit_date":1441645600,
           "from":{"id":1111111,"is_bot":false,"first_name":"Alice","last_name":"Test"},
           "chat":{"id":1111111,"type":"private"},
           "text":"Hello bot (edited)"}}
        """;

    public const string ChannelPost = """
        {"update_id":10004,
         "channel_post":{"message_id":77,"date":1441646000,
           "sender_chat":{"id":-1009876543210,"title":"Omni News","type":"channel"},
           "chat":{"id":-1009876543210,"title":"Omni News","type":"channel"},
           "text":"Release 1.0 is out"}}
        """;

    public const string CallbackQuery = """
        {"update_id":10005,
         "callback_query":{"id":"4382bfdwdsb323b2d9","chat_instance":"-7777777777",
           "from":{"id":1111111,"is_bot":false,"first_name":"Alice","last_name":"Test","username":"alicetest"},
           "message":{"message_id":1400,"date":1441645700,
             "from":{"id":3333333,"is_bot":true,"first_name":"OmniBot"},
             "chat":{"id":1111111,"type":"private"},"text":"Approve?",
             "reply_markup":{"inline_keyboard":[[{"text":"Yes","callback_data":"approve:42"}]]}},
           "data":"approve:42"}}
        """;

    public const string Photo = """
        {"update_id":10006,
         "message":{"message_id":1401,"date":1441645800,
           "from":{"id":1111111,"is_bot":false,"first_name":"Alice"},
           "chat":{"id":1111111,"type":"private"},
           "photo":[
             {"file_id":"AgADBAADsmall","file_unique_id":"AQADs","file_size":1279,"width":90,"height":67},
             {"file_id":"AgADBAADmedium","file_unique_id":"AQADm","file_size":17802,"width":320,"height":240},
             {"file_id":"AgADBAADlarge","file_unique_id":"AQADl","file_size":81524,"width":1280,"height":960}],
           "caption":"Look at this"}}
        """;

    public const string Voice = """
        {"update_id":10007,
         "message":{"message_id":1402,"date":1441645801,
           "from":{"id":1111111,"is_bot":false,"first_name":"Alice"},
           "chat":{"id":1111111,"type":"private"},
           "voice":{"file_id":"AwADBAADvoice","file_unique_id":"AgADv","duration":4,"mime_type":"audio/ogg","file_size":9311}}}
        """;

    public const string Audio = """
        {"update_id":10008,
         "message":{"message_id":1403,"date":1441645802,
           "from":{"id":1111111,"is_bot":false,"first_name":"Alice"},
           "chat":{"id":1111111,"type":"private"},
           "audio":{"file_id":"CQADBAADaudio","file_unique_id":"AgADa","duration":243,"performer":"Band","title":"Song",
             "file_name":"song.mp3","mime_type":"audio/mpeg","file_size":3897500}}}
        """;

    public const string Video = """
        {"update_id":10009,
         "message":{"message_id":1404,"date":1441645803,
           "from":{"id":1111111,"is_bot":false,"first_name":"Alice"},
           "chat":{"id":1111111,"type":"private"},
           "video":{"file_id":"BAADBAADvideo","file_unique_id":"AgADvi","width":1920,"height":1080,"duration":12,
             "file_name":"clip.mp4","mime_type":"video/mp4","file_size":2097152},
           "caption":"Clip"}}
        """;

    public const string Document = """
        {"update_id":10010,
         "message":{"message_id":1405,"date":1441645804,
           "from":{"id":1111111,"is_bot":false,"first_name":"Alice"},
           "chat":{"id":1111111,"type":"private"},
           "document":{"file_id":"BQADBAADdoc","file_unique_id":"AgADd","file_name":"invoice.pdf","mime_type":"application/pdf","file_size":52311},
           "caption":"Invoice"}}
        """;

    public const string Sticker = """
        {"update_id":10011,
         "message":{"message_id":1406,"date":1441645805,
           "from":{"id":1111111,"is_bot":false,"first_name":"Alice"},
           "chat":{"id":1111111,"type":"private"},
           "sticker":{"file_id":"CAACAgIAAxsticker","file_unique_id":"AgADst","type":"regular","width":512,"height":512,
             "is_animated":false,"is_video":false,"emoji":"😂","set_name":"HotCherry","file_size":23456}}}
        """;

    public const string Location = """
        {"update_id":10012,
         "message":{"message_id":1407,"date":1441645806,
           "from":{"id":1111111,"is_bot":false,"first_name":"Alice"},
           "chat":{"id":1111111,"type":"private"},
           "location":{"latitude":52.520008,"longitude":13.404954}}}
        """;

    public const string Contact = """
        {"update_id":10013,
         "message":{"message_id":1408,"date":1441645807,
           "from":{"id":1111111,"is_bot":false,"first_name":"Alice"},
           "chat":{"id":1111111,"type":"private"},
           "contact":{"phone_number":"+4915112345678","first_name":"Carol","last_name":"Jones","user_id":4444444}}}
        """;

    public const string Reaction = """
        {"update_id":10014,
         "message_reaction":{"chat":{"id":-1001234567890,"title":"Team","type":"supergroup"},"message_id":1367,
           "user":{"id":2222222,"is_bot":false,"first_name":"Bob"},"date":1441645900,
           "old_reaction":[],"new_reaction":[{"type":"emoji","emoji":"👍"}]}}
        """;

    public const string NewMembers = """
        {"update_id":10015,
         "message":{"message_id":1409,"date":1441645901,
           "from":{"id":2222222,"is_bot":false,"first_name":"Bob"},
           "chat":{"id":-1001234567890,"title":"Team","type":"supergroup"},
           "new_chat_members":[{"id":5555555,"is_bot":false,"first_name":"Dan"}]}}
        """;

    public const string InlineQuery = """
        {"update_id":10016,
         "inline_query":{"id":"1234567","from":{"id":1111111,"is_bot":false,"first_name":"Alice"},"query":"cats","offset":""}}
        """;
}
