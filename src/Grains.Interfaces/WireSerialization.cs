using EdgeSync.Wire;

// EdgeSync.Wire carries only the serialization attributes, so that the agent builds without
// Orleans; the serializers of its [GenerateSerializer] types are generated here, where grains use
// them. The generator sees only the public surface of another assembly, so those records put their
// [Id]s on the positional parameters: it then sets the values through the init setters instead of
// private backing fields it cannot see.
[assembly: GenerateCodeForDeclaringAssembly(typeof(RowBatch))]
