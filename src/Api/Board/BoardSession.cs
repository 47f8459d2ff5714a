namespace EdgeSync.Api.Board;

/// <summary>What the board knows about its caller (snake_case on the wire).</summary>
public sealed record BoardSession(
    string Subject, bool PlatformAdmin, bool CookieSession, string CsrfToken, string CsrfHeader, IReadOnlyList<BoardProject> Projects)
{
    /// <summary>The picker lists at most this many projects.</summary>
    public const int MaxProjects = 500;
}

public sealed record BoardProject(Guid Id, string Name, string TopicSlug, bool CanManage);
