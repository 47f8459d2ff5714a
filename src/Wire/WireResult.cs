using System.Diagnostics.CodeAnalysis;

namespace EdgeSync.Wire;

/// <summary>
/// The outcome of reading a wire message: either the parsed value or the rejection. Build it with
/// <see cref="Accepted"/> or <see cref="Rejected(Rejection)"/>; <c>default</c> is neither.
/// </summary>
public readonly struct WireResult<T>
{
    private WireResult(bool accepted, T? value, Rejection? rejection)
    {
        IsAccepted = accepted;
        Value = value;
        Rejection = rejection;
    }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Rejection))]
    public bool IsAccepted { get; }

    /// <summary>The parsed message; set only when <see cref="IsAccepted"/>.</summary>
    public T? Value { get; }

    /// <summary>Why the message was refused; set only when not <see cref="IsAccepted"/>.</summary>
    public Rejection? Rejection { get; }

    public static WireResult<T> Accepted(T value) =>
        new(true, value ?? throw new ArgumentNullException(nameof(value)), null);

    public static WireResult<T> Rejected(Rejection rejection) =>
        new(false, default, rejection ?? throw new ArgumentNullException(nameof(rejection)));

    public static WireResult<T> Rejected(string code, string detail) => Rejected(new Rejection(code, detail));

    public override string ToString() =>
        IsAccepted ? $"Accepted({Value})" : $"Rejected({Rejection.Code}: {Rejection.Detail})";
}
