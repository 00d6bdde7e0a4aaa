using System.Net;
using System.Net.Sockets;

namespace OmniActors.Tests.Shared;

/// <summary>Free loopback ports for silos started by tests (compiled into each test project that starts one).</summary>
internal static class LoopbackPorts
{
    /// <summary>Two distinct free loopback ports, silo and gateway (both held while choosing, so they differ).</summary>
    public static (int Silo, int Gateway) Pair()
    {
        var silo = new TcpListener(IPAddress.Loopback, 0);
        var gateway = new TcpListener(IPAddress.Loopback, 0);
        silo.Start();
        gateway.Start();
        try
        {
            return (((IPEndPoint)silo.LocalEndpoint).Port, ((IPEndPoint)gateway.LocalEndpoint).Port);
        }
        finally
        {
            silo.Stop();
            gateway.Stop();
        }
    }
}
