"""The Telemetry API, the Logs API and the metadata endpoint of an execution environment."""
