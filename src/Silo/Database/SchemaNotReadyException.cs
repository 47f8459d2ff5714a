namespace EdgeSync.Silo.Database;

/// <summary>
/// The database lacks the schema this release needs and the node may not create it
/// (<c>Database:ApplyMigrations=false</c>): the node refuses to start with this message.
/// </summary>
public sealed class SchemaNotReadyException(string message) : Exception(message);
