using Microsoft.Extensions.Options;
using OmniActors.Tasks;

namespace OmniActors.Queues;

/// <summary>
/// The silo's budget for the rows its queue partitions hold so a claim reads nothing (<see cref="QueueOptions.WarmRowBytes"/>).
/// A partition takes a row's estimated size before it holds the row and gives it back when it lets go, so the rows held
/// stay bounded per silo whatever the number of partitions and the size of the payloads; a row that does not fit is read
/// again when it is claimed, as before.
/// </summary>
internal sealed class WarmRows(IOptions<QueueOptions> options)
{
    /// <summary>What a held row costs besides its strings: the <see cref="TaskInfo"/> object, its dictionary entry, small
    /// strings shared or not (queue, action, status), its retry policy.</summary>
    internal const long RowOverhead = 640;

    private readonly long _budget = options.Value.WarmRowBytes;
    private long _held;

    /// <summary>Bytes held now, by every partition of the silo.</summary>
    public long Held => Volatile.Read(ref _held);

    /// <summary>True while the budget is not used up (a read ahead is worth its rows).</summary>
    public bool HasRoom => Held < _budget;

    /// <summary>Takes <paramref name="bytes"/> from the budget if they fit; false (nothing taken) if not.</summary>
    public bool TryTake(long bytes)
    {
        while (true)
        {
            var held = Volatile.Read(ref _held);
            if (held + bytes > _budget)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _held, held + bytes, held) == held)
            {
                return true;
            }
        }
    }

    /// <summary>Gives back what <see cref="TryTake"/> took.</summary>
    public void Give(long bytes) => Interlocked.Add(ref _held, -bytes);

    /// <summary>A row's estimated size in memory: the overhead and two bytes a character of its strings that grow with use.</summary>
    public static long SizeOf(TaskInfo row)
    {
        ArgumentNullException.ThrowIfNull(row);
        long chars = row.Id.Length + row.Payload.Length + (row.Result?.Length ?? 0) + (row.IdempotencyKey?.Length ?? 0) +
            (row.SpecHash?.Length ?? 0) + (row.LeaseOwner?.Length ?? 0) + (row.CancelReason?.Length ?? 0) + (row.LastError?.Message.Length ?? 0) +
            (row.TraceParent?.Length ?? 0) + (row.TraceState?.Length ?? 0) + (row.WorkflowId?.Length ?? 0) + (row.WorkflowKey?.Length ?? 0);
        foreach (var id in row.DependsOn)
        {
            chars += id.Length + 8;
        }
        foreach (var id in row.Dependents)
        {
            chars += id.Length + 8;
        }
        return RowOverhead + 2 * chars;
    }
}
