using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>
/// A TCP relay between a node and PostgreSQL that speaks just enough of the frontend protocol to
/// find a transaction's COMMIT. Armed with a marker, it lets the COMMIT of the next transaction
/// whose messages contained the marker (an event type name, say) through to the server, waits
/// for the server's answer, and then cuts the connection instead of delivering it: the server
/// committed, the client sees a broken connection. It can also play an outage: every connection
/// cut, new ones refused, until it comes back.
/// </summary>
public sealed class PostgresRelay : IAsyncDisposable
{
    private const int SslRequest = 80877103, GssEncRequest = 80877104;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _serverHost;
    private readonly int _serverPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<Link> _links = [];
    private readonly Task _accepting;
    private string? _armed;
    private volatile bool _down;
    private int _answersDropped;

    public PostgresRelay(string serverConnectionString)
    {
        var server = new NpgsqlConnectionStringBuilder(serverConnectionString);
        _serverHost = server.Host!;
        _serverPort = server.Port;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many COMMIT answers were withheld so far.</summary>
    public int AnswersDropped => Volatile.Read(ref _answersDropped);

    /// <summary>The same database, reached through the relay (without TLS, so its messages can be read).</summary>
    public string Through(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Host = "127.0.0.1", Port = Port, SslMode = SslMode.Disable }.ConnectionString;

    /// <summary>The next COMMIT of a transaction that sent <paramref name="marker"/> is applied and its answer lost.</summary>
    public void DropNextCommitAnswer(string marker) => Volatile.Write(ref _armed, marker);

    public bool IsArmed => Volatile.Read(ref _armed) is not null;

    /// <summary>Cuts every connection and refuses new ones until <see cref="ComeBack"/>.</summary>
    public void GoDown()
    {
        _down = true;
        lock (_links)
            foreach (var link in _links)
                link.Cut();
    }

    public void ComeBack() => _down = false;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            if (_down)
            {
                client.Dispose();
                continue;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        var server = new TcpClient();
        var link = new Link(client, server);
        lock (_links)
            _links.Add(link);
        try
        {
            await server.ConnectAsync(_serverHost, _serverPort, _stop.Token);
            var answers = ForwardAnswersAsync(link);
            await ForwardRequestsAsync(link);
            await answers;
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Either side went away (or the relay cut it): the link is over, which is all a relay can report.
        }
        finally
        {
            link.Cut();
            lock (_links)
                _links.Remove(link);
        }
    }

    /// <summary>Client to server, message by message.</summary>
    private async Task ForwardRequestsAsync(Link link)
    {
        var from = link.Client.GetStream();
        var to = link.Server.GetStream();
        // Untyped messages first: SSL / GSS encryption requests (answered with one byte each), then the startup message.
        while (true)
        {
            var header = new byte[4];
            await from.ReadExactlyAsync(header);
            var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header) - 4];
            await from.ReadExactlyAsync(body);
            await to.WriteAsync(header);
            await to.WriteAsync(body);
            var code = BinaryPrimitives.ReadInt32BigEndian(body);
            if (code is not (SslRequest or GssEncRequest))
                break;
        }
        var sawMarker = false;
        while (true)
        {
            var header = new byte[5];
            await from.ReadExactlyAsync(header);
            var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
            await from.ReadExactlyAsync(body);
            var armed = Volatile.Read(ref _armed);
            if (armed is not null && body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(armed)) >= 0)
                sawMarker = true;
            var query = header[0] == (byte)'Q' ? Encoding.UTF8.GetString(body).TrimEnd('\0').Trim() : null;
            var ends = query is not null && (query.StartsWith("COMMIT", StringComparison.OrdinalIgnoreCase) || query.StartsWith("ROLLBACK", StringComparison.OrdinalIgnoreCase));
            if (ends && sawMarker && query!.StartsWith("COMMIT", StringComparison.OrdinalIgnoreCase)
                && armed is not null && Interlocked.CompareExchange(ref _armed, null, armed) == armed)
            {
                link.SwallowAnswers();
                await to.WriteAsync(header);
                await to.WriteAsync(body);
                // The answer arriving means the server committed; only then is the client left without it.
                await link.AnswerArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
                Interlocked.Increment(ref _answersDropped);
                link.Cut();
                return;
            }
            if (ends)
                sawMarker = false;
            await to.WriteAsync(header);
            await to.WriteAsync(body);
        }
    }

    /// <summary>Server to client, as bytes, unless the answers are being swallowed.</summary>
    private static async Task ForwardAnswersAsync(Link link)
    {
        var from = link.Server.GetStream();
        var to = link.Client.GetStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer);
            if (read == 0)
                return;
            if (link.Swallowing)
            {
                link.AnswerArrived.TrySetResult();
                return;
            }
            await to.WriteAsync(buffer.AsMemory(0, read));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        GoDown();
        await _accepting;
        _stop.Dispose();
    }

    private sealed class Link(TcpClient client, TcpClient server)
    {
        private volatile bool _swallowing;

        public TcpClient Client { get; } = client;
        public TcpClient Server { get; } = server;
        public TaskCompletionSource AnswerArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Swallowing => _swallowing;

        public void SwallowAnswers() => _swallowing = true;

        public void Cut()
        {
            Client.Dispose();
            Server.Dispose();
        }
    }
}
