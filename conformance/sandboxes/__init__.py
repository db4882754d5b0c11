"""Provider doubles: one ProviderDouble subclass per provider, named in conformance.providers."""
