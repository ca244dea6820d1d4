"""amoCRM integration: API client, webhooks, field mapping, sync (see the amoCRM issue).

Nothing here yet: the foundation issue only fixes the package's place in the layout.
"""
