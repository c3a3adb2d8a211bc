"""MCP tools, one module per domain with ``register_<domain>_tools(server, settings)``."""
