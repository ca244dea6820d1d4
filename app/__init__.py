"""The application shell: composition of settings, database and services, the runtime
(polling, webhook, scheduled jobs, worker processes), the aiohttp web app, and the commands
`run.py` dispatches to. It imports every other package; none of them imports it.
"""
