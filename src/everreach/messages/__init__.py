"""Messages: the one message writer, the per-message features it stores, and search."""
