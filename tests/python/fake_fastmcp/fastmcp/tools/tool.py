from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mcp.types import ContentBlock, TextContent, ToolAnnotations
from mcp.types import Tool as MCPTool


class ToolResult:
    def __init__(self, content=None, structured_content=None, meta=None):
        if content is None and structured_content is None:
            raise ValueError("Either content or structured_content must be provided")
        if content is None:
            import json
            content = [TextContent(type="text", text=json.dumps(structured_content))]
        self.content = list(content)
        if structured_content is not None and not isinstance(structured_content, dict):
            raise ValueError("structured_content must be a dict or None")
        self.structured_content = structured_content
        self.meta = meta

    def to_mcp_result(self):
        if self.structured_content is None:
            return self.content
        return self.content, self.structured_content


class Tool(BaseModel):
    """Mirrors fastmcp.tools.tool.Tool (a FastMCPComponent): fields and the methods the glue touches."""

    model_config = ConfigDict(extra="forbid")

    name: str
    title: str | None = None
    description: str | None = None
    tags: set[str] = Field(default_factory=set)
    meta: dict[str, Any] | None = None
    enabled: bool = True
    parameters: dict[str, Any]
    output_schema: dict[str, Any] | None = None
    annotations: ToolAnnotations | None = None

    @property
    def key(self) -> str:
        return self.name

    def get_meta(self, include_fastmcp_meta=None):
        meta = dict(self.meta) if self.meta else None
        if include_fastmcp_meta:
            meta = dict(meta or {})
            meta["_fastmcp"] = {"tags": sorted(self.tags)}
        return meta

    def to_mcp_tool(self, *, include_fastmcp_meta=None, **overrides: Any) -> MCPTool:
        return MCPTool(
            name=overrides.get("name", self.name),
            title=overrides.get("title", self.title),
            description=overrides.get("description", self.description),
            inputSchema=overrides.get("inputSchema", self.parameters),
            outputSchema=overrides.get("outputSchema", self.output_schema),
            annotations=overrides.get("annotations", self.annotations),
            _meta=overrides.get("_meta", self.get_meta(include_fastmcp_meta=include_fastmcp_meta)),
        )

    async def run(self, arguments: dict[str, Any]) -> ToolResult:
        raise NotImplementedError("Subclasses must implement run()")


__all__ = ["Tool", "ToolResult", "ContentBlock"]
