// Collections run one after another: each silo host in this process then starts after the previous one stopped, so
// no host sees another's metrics, timers or teardown, and a slow 2-core CI machine is not oversubscribed by four
// silos at once.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
