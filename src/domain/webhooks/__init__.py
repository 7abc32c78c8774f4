"""Webhooks: endpoints that subscribe to events, the events, their deliveries, signing."""
