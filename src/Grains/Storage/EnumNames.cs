using System.Collections.Concurrent;
using System.Text.Json;

namespace EdgeSync.Storage;

/// <summary>
/// The name an enum value has wherever it leaves the process: in stored events and documents, in
/// service tables and in the API, always snake_case (<c>PauseReason.CircuitBreaker</c> is
/// <c>circuit_breaker</c>), the names the stored data of every release uses.
/// </summary>
public static class EnumNames
{
    public static readonly JsonNamingPolicy Policy = JsonNamingPolicy.SnakeCaseLower;

    private static readonly ConcurrentDictionary<Enum, string> Names = new();

    public static string Of<T>(T value) where T : struct, Enum => Names.GetOrAdd(value, v => Policy.ConvertName(v.ToString()));

    public static bool TryParse<T>(string? name, out T value) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(Of(candidate), name, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }

    public static IReadOnlyList<string> All<T>() where T : struct, Enum => Enum.GetValues<T>().Select(Of).ToList();
}
