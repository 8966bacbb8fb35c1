"""Secrets Manager: named, versioned secret values (what the RDS Data API signs in with)."""
