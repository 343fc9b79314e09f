"""Traces: OpenTelemetry spans of requests and jobs, exported over OTLP when configured."""
