namespace OmniActors.Queues;

/// <summary>
/// A partition's in-memory index: ready tasks by priority (higher first, FIFO within one) and tasks due later
/// by due time. Removal is lazy for the ready heap (an id popped that is no longer present is skipped), so
/// cancel is O(1) and dispatch O(log n).
/// </summary>
internal sealed class ReadyQueue
{
    private readonly PriorityQueue<string, (int NegPriority, long Seq)> _ready = new();
    private readonly Dictionary<string, long> _readySeq = new(StringComparer.Ordinal);
    private readonly SortedSet<(DateTimeOffset Due, long Seq, string Id)> _scheduled = [];
    private readonly Dictionary<string, (DateTimeOffset Due, long Seq, int Priority)> _scheduledIndex = new(StringComparer.Ordinal);
    private long _seq;

    public int ReadyCount => _readySeq.Count;

    public int ScheduledCount => _scheduledIndex.Count;

    public bool Contains(string id) => _readySeq.ContainsKey(id) || _scheduledIndex.ContainsKey(id);

    /// <summary>Adds or replaces an entry: ready when due now, scheduled otherwise.</summary>
    public void Add(QueueEntry entry, DateTimeOffset now)
    {
        Remove(entry.TaskId);
        var seq = ++_seq;
        if (entry.DueAt is { } due && due > now)
        {
            _scheduled.Add((due, seq, entry.TaskId));
            _scheduledIndex[entry.TaskId] = (due, seq, entry.Priority);
        }
        else
        {
            _ready.Enqueue(entry.TaskId, (-entry.Priority, seq));
            _readySeq[entry.TaskId] = seq;
        }
    }

    public bool Remove(string id)
    {
        var removed = _readySeq.Remove(id);
        if (_scheduledIndex.Remove(id, out var s))
        {
            _scheduled.Remove((s.Due, s.Seq, id));
            removed = true;
        }
        return removed;
    }

    /// <summary>The next ready task, highest priority first.</summary>
    public bool TryDequeue(out string id)
    {
        while (_ready.TryDequeue(out id!, out var key))
        {
            if (_readySeq.TryGetValue(id, out var seq) && seq == key.Seq)
            {
                _readySeq.Remove(id);
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Up to <paramref name="count"/> ready ids in the order <see cref="TryDequeue"/> would give them, left in place:
    /// O(count · log n), popped and pushed back with their keys (ids removed meanwhile are dropped, as a dequeue drops them).
    /// </summary>
    public List<string> Peek(int count)
    {
        var taken = new List<(string Id, (int NegPriority, long Seq) Key)>(Math.Min(count, _readySeq.Count));
        while (taken.Count < count && _ready.TryDequeue(out var id, out var key))
        {
            if (_readySeq.TryGetValue(id, out var seq) && seq == key.Seq)
            {
                taken.Add((id, key));
            }
        }
        foreach (var (id, key) in taken)
        {
            _ready.Enqueue(id, key);
        }
        return taken.ConvertAll(t => t.Id);
    }

    /// <summary>Removes every entry, ready and scheduled, and returns their ids.</summary>
    public List<string> TakeAll()
    {
        var ids = new List<string>(_readySeq.Count + _scheduledIndex.Count);
        ids.AddRange(_readySeq.Keys);
        ids.AddRange(_scheduledIndex.Keys);
        _ready.Clear();
        _readySeq.Clear();
        _scheduled.Clear();
        _scheduledIndex.Clear();
        return ids;
    }

    /// <summary>Moves tasks due by <paramref name="now"/> to the ready heap.</summary>
    public void Promote(DateTimeOffset now)
    {
        while (_scheduled.Count > 0 && _scheduled.Min.Due <= now)
        {
            var id = _scheduled.Min.Id;
            var priority = _scheduledIndex[id].Priority;
            Add(new QueueEntry { TaskId = id, Priority = priority }, now);
        }
    }

    /// <summary>When the earliest scheduled task is due.</summary>
    public DateTimeOffset? NextDue => _scheduled.Count > 0 ? _scheduled.Min.Due : null;
}
