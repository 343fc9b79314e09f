"""The interceptor chain, outermost first: request id → metrics → errors → authentication →
tenant → rate limit.

Each rule is written once here; an RPC declares what it needs in the contract
(`fingate.common.v1.access`, `http_status`), never repeats the mechanism.
"""
