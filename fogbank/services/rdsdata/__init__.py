"""The RDS Data API (``rds-data``): SQL over HTTPS against the real engine of an RDS database."""
