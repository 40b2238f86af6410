"""Messages: the one message writer (import's bulk path is its fast lane), per-message features, webhook events, reads
and search."""
