"""Fake mcp.types (tests only): TextContent, ToolAnnotations and Tool as in the MCP Python SDK."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class TextContent(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Literal["text"]
    text: str


ContentBlock = TextContent


class ToolAnnotations(BaseModel):
    model_config = ConfigDict(extra="allow")
    title: str | None = None
    readOnlyHint: bool | None = None
    destructiveHint: bool | None = None
    idempotentHint: bool | None = None
    openWorldHint: bool | None = None


class Tool(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    name: str
    title: str | None = None
    description: str | None = None
    inputSchema: dict[str, Any]
    outputSchema: dict[str, Any] | None = None
    annotations: ToolAnnotations | None = None
    meta: dict[str, Any] | None = Field(default=None, alias="_meta")
