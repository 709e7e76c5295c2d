"""Fake fastmcp 2.x (tests only): the API surface server_glue.py uses."""

from fastmcp.server.server import FastMCP

__version__ = "2.0.0-fake"
__all__ = ["FastMCP"]
