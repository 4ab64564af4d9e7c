namespace GrainStream.Runtime.Generators.Models;

/// <summary>What the generator needs to know about the compilation as a whole.</summary>
/// <param name="AssemblyName">Names the manifest class.</param>
/// <param name="ReferencesAbstractions">True when <c>GrainStream.IGrain</c> resolves; otherwise nothing is emitted.</param>
internal sealed record TargetModel(string AssemblyName, bool ReferencesAbstractions);
