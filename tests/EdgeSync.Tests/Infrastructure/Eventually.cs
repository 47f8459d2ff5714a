namespace EdgeSync.Tests.Infrastructure;

/// <summary>Polls for a condition that background work (replay, downlinks) makes true, with a deadline.</summary>
public static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var value = await read();
            if (done(value))
                return value;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting for {what ?? "the condition"}; last value: {value}");
            await Task.Delay(100);
        }
    }
}
