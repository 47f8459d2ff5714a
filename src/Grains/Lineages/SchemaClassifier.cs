using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>Classifies an unaccepted schema hash of a lineage.</summary>
public static class SchemaClassifier
{
    /// <summary>
    /// A hash without known columns is <c>unknown</c>. Every other unaccepted schema is
    /// <c>ambiguous</c> until bindings exist to compare it with; an operator decides it.
    /// </summary>
    public static string Classify(SchemaVersion? accepted, SchemaFingerprint? proposed) =>
        proposed is null ? SchemaClassification.Unknown : SchemaClassification.Ambiguous;
}
