using System.Net;
using System.Net.Sockets;

namespace OmniActors.Tests.Shared;

/// <summary>
/// Free loopback ports for the servers tests start (silos, sample apps, a private PostgreSQL), compiled into each
/// test project that starts one.
/// </summary>
/// <remarks>
/// The ports come from below Linux's ephemeral range (32768–60999 by default), not from binding port 0: the kernel
/// gives the local port of every outgoing connection from that range, so a port it handed out for a listener and
/// that the test then released could be the local port of someone's client connection (a test's connection to
/// PostgreSQL, say) by the time the server binds it ("address already in use", seen in CI). Below the range only
/// another listener can take it, and each port is bound here once before it is handed out.
/// </remarks>
internal static class LoopbackPorts
{
    private const int Lowest = 20000;
    private const int AboveHighest = 32000;
    private const int MostTries = 1000;

    /// <summary><paramref name="count"/> distinct loopback ports nobody listens on now (all held while choosing).</summary>
    public static int[] Take(int count)
    {
        var held = new List<TcpListener>(count);
        try
        {
            for (var tries = 0; held.Count < count; tries++)
            {
                if (tries == MostTries)
                {
                    throw new InvalidOperationException($"No {count} free loopback ports between {Lowest} and {AboveHighest} after {MostTries} tries.");
                }
                var listener = new TcpListener(IPAddress.Loopback, Random.Shared.Next(Lowest, AboveHighest));
                try
                {
                    listener.Start();
                    held.Add(listener);
                }
                catch (SocketException)
                {
                    // Someone listens there (or it is one of ours already): try another.
                    listener.Dispose();
                }
            }
            return [.. held.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            held.ForEach(l => l.Dispose());
        }
    }

    /// <summary>One free loopback port.</summary>
    public static int One() => Take(1)[0];

    /// <summary>Two distinct free loopback ports, silo and gateway.</summary>
    public static (int Silo, int Gateway) Pair()
    {
        var ports = Take(2);
        return (ports[0], ports[1]);
    }
}
