class FastMCPError(Exception):
    pass


class ToolError(FastMCPError):
    pass
