"""amoCRM integration.

Here now: the API v4 client (`client`: OAuth with refresh-token rotation, paging, retries of what
cannot have taken effect), the models of what we read (`models`), typed errors carrying amoCRM's
problem details (`errors`) and the shared request-rate limiter (`rate_limit`).

Next to come: webhook parsing, the field mapping, and the CRM sync and reconcile.
"""
