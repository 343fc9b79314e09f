"""The local provider sandbox: provider-compatible HTTP APIs with deterministic answers.

One module per provider (stripe.py, later plaid.py, teller.py, zerion.py), each exposing
`ROUTES`; app.py mounts them all on one Starlette app. Adapters in the server reach it with the
providers' real client libraries through their base-URL settings (DESIGN.md "Providers").
"""
