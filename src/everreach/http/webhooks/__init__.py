"""The Instagram Messaging webhook receiver (`/webhooks/instagram`)."""
