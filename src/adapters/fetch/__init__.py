"""The one guarded way to reach a URL a client gave: `GuardedFetcher`, built from an
`AddressPolicy` and a `Resolver`, over a pinned aiohttp connector (`pinned_session`) that
other callers (webhook deliveries) may reuse for requests of their own."""
