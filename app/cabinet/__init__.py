"""The cabinet: the accountant's and owner's web pages, in Telegram as a Mini App and in any
browser through a one-time login link (issue 17)."""
