"""Payment requests: staff ask for an invoice to be paid, someone with authority approves it,
the accountant pays it from the registry and records the payment.

One job per module: `states` (statuses and the guarded moves between them), `details` (the
bank details' checks), `policy` (who approves, from the mappings), `edits` (what filling a
request may change, and how each value is checked), `counterparties` (remembered by ИНН),
`access` (who sees which request), `views` (what the services return), `history`, `notify`
(who is told what), `service` (filing, editing, deciding), `paying`, `registry` (the
accountant's lists), `links` (filing links and a request's own link) and `alerts` (the daily
jobs). No Telegram here: the bot's screens call these services and turn their errors and
notices into words.
"""
