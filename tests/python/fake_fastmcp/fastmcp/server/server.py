import json

from fastmcp.exceptions import ToolError
from fastmcp.tools.tool import Tool, ToolResult


class FastMCP:
    def __init__(self, name=None, instructions=None, *, version=None, include_fastmcp_meta=None, **settings):
        self.name = name or "FastMCP"
        self.instructions = instructions
        self.version = version
        # The real default comes from fastmcp.settings.include_fastmcp_meta, which is True.
        self.include_fastmcp_meta = True if include_fastmcp_meta is None else include_fastmcp_meta
        self.settings = settings
        self._tools = {}
        self.run_calls = []

    def add_tool(self, tool):
        if not isinstance(tool, Tool):
            raise TypeError("add_tool expects a Tool")
        self._tools[tool.key] = tool
        return tool

    def run(self, transport=None, show_banner=True, **transport_kwargs):
        self.run_calls.append({"transport": transport or "stdio", **transport_kwargs})

    # --- test helpers: what the tools/list and tools/call handlers do ---------------------------

    def list_tools_wire(self):
        tools = [t.to_mcp_tool(name=t.key, include_fastmcp_meta=self.include_fastmcp_meta)
                 for t in self._tools.values() if t.enabled]
        return json.loads(json.dumps([t.model_dump(by_alias=True, mode="json", exclude_none=True) for t in tools]))

    async def call_tool_wire(self, name, arguments):
        tool = self._tools.get(name)
        if tool is None:
            return {"content": [{"type": "text", "text": "Unknown tool: %s" % name}], "isError": True}
        try:
            result = await tool.run(arguments)
        except ToolError as e:  # the MCP low-level server turns exceptions into isError results
            return {"content": [{"type": "text", "text": str(e)}], "isError": True}
        if not isinstance(result, ToolResult):
            raise TypeError("run() must return a ToolResult")
        out = {"content": [c.model_dump(mode="json", exclude_none=True) for c in result.content], "isError": False}
        if result.structured_content is not None:
            out["structuredContent"] = result.structured_content
        return out
