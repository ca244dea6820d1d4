"""The Telegram edge: bot and dispatcher factories, middlewares, keyboards, texts, web app."""
