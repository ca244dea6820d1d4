"""Test doubles that speak real wire protocols (Telegram Bot API, ...) on localhost."""
