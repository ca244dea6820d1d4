"""Settings from the environment and `.env`, mappings from TOML, and logging set-up."""
