from fastmcp.tools.tool import Tool, ToolResult

__all__ = ["Tool", "ToolResult"]
