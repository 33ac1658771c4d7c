"""Typed models (pydantic) of what the provider sends to and receives from each vendor."""
