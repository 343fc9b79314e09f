"""The local system on one machine: `make run` (python -m server.dev.devstack) and the tests' stack.

`stack.Stack` starts, in order and each ready before the next: PostgreSQL (`DATABASE_URL` or an
embedded one under var/pg), migrations, the SMTP sink (mail under var/mail), the job worker
(`python -m server.worker`), the gRPC server and Envoy (config rendered from
envoy/envoy.yaml.tmpl into var/envoy). Child logs go to var/log/.
"""
