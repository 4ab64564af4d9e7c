namespace GrainStream.Api.Auth;

/// <summary>How the API decides who may do what (<c>Auth:Mode</c>).</summary>
public enum AuthMode
{
    /// <summary>Everyone may do everything, as before authentication existed (the default).</summary>
    Anonymous,

    /// <summary>Every <c>/api</c> call needs an HS256 JSON Web Token whose <c>publish</c> and
    /// <c>subscribe</c> claims cover the topic it touches.</summary>
    Jwt,
}
