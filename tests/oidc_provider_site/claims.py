def userinfo(claims, user):  # type: ignore[no-untyped-def]
    """The provider vouches for the address, except for people whose last name says it does
    not (so a test can see an unverified address refused)."""
    claims["email"] = user.email
    claims["email_verified"] = user.last_name != "Unverified"
    return claims
