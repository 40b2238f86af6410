"""Messages: the one message writer (import's bulk path is its fast lane), webhook events, reads and search."""
