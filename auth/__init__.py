"""JWT verification, JWKS, claims, and scope/policy evaluation."""
