"""The domain: money, entries, services and storage. No Telegram, no HTTP."""
