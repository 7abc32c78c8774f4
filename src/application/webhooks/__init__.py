"""The use cases of /v1/webhook_endpoints, one per module."""
