using Npgsql;
using OmniActors.Lifecycle;
using OmniActors.Storage.Postgres;

namespace OmniActors.Tests.Storage;

public sealed class PositionalCommandTests
{
    [Fact]
    public void Named_parameters_become_positions_in_bind_order_and_unused_ones_are_left_out()
    {
        var cmd = PositionalCommand.Create("UPDATE t SET a = @a, b = @b WHERE id = @id AND v = @v AND w = @a", add =>
        {
            add("@id", "x");
            add("@unused", DBNull.Value);
            add("@a", 1);
            add("@b", DBNull.Value);
            add("@v", 7L);
        });
        Assert.Equal("UPDATE t SET a = $2, b = $3 WHERE id = $1 AND v = $4 AND w = $2", cmd.CommandText);
        Assert.Equal(["x", 1, DBNull.Value, 7L], cmd.Parameters.Select(p => p.Value));
        Assert.All(cmd.Parameters, p => Assert.Equal("", p.ParameterName));
    }

    [Fact]
    public void The_same_statement_gives_the_same_text_each_time_and_a_new_bind_order_a_new_numbering()
    {
        var first = PositionalCommand.Create(EventLogRows.InsertSql, add => Bind(add, "k", "s"));
        var again = PositionalCommand.Create(EventLogRows.InsertSql, add => Bind(add, "k2", "s2"));
        Assert.Same(first.CommandText, again.CommandText);
        Assert.Equal(["k2", "s2"], again.Parameters.Take(2).Select(p => p.Value));

        var swapped = PositionalCommand.Create("SELECT @x, @y", add => { add("@y", 2); add("@x", 1); });
        Assert.Equal("SELECT $2, $1", swapped.CommandText);
        var straight = PositionalCommand.Create("SELECT @x, @y", add => { add("@x", 1); add("@y", 2); });
        Assert.Equal("SELECT $1, $2", straight.CommandText);
    }

    [Fact]
    public void A_statement_that_uses_an_unbound_name_or_a_name_bound_twice_is_refused()
    {
        Assert.Throws<ArgumentException>(() => PositionalCommand.Create("SELECT @x, @missing", add => add("@x", 1)));
        Assert.Throws<ArgumentException>(() => PositionalCommand.Create("SELECT @x", add => { add("@x", 1); add("@x", 2); }));
    }

    private static void Bind(Action<string, object> add, string kind, string subject)
    {
        add("@kind", kind);
        add("@subject", subject);
        foreach (var name in new[] { "@queue", "@type", "@attempt", "@at", "@detail", "@silo", "@action" })
        {
            add(name, DBNull.Value);
        }
    }
}
