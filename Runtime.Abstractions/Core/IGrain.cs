namespace GrainStream;

/// <summary>Marker for every grain interface. Grain interfaces declare only methods returning
/// <see cref="Task"/>, <see cref="Task{TResult}"/>, <see cref="ValueTask"/> or <see cref="ValueTask{TResult}"/>.</summary>
public interface IGrain : IAddressable;

/// <summary>A grain identified by a string key.</summary>
public interface IGrainWithStringKey : IGrain;

/// <summary>A grain identified by a <see cref="Guid"/> key (stored as its 32-digit "N" form).</summary>
public interface IGrainWithGuidKey : IGrain;

/// <summary>A grain identified by a 64-bit integer key (stored as its invariant decimal form).</summary>
public interface IGrainWithIntegerKey : IGrain;

/// <summary>Anything that has a grain identity: grain references and grain instances.</summary>
public interface IAddressable;
