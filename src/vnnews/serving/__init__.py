"""The HTTP service (``vnnews serve``): classify, summarize and process over HTTP with micro-batching."""

from vnnews.serving.app import ServeConfig, create_app
from vnnews.serving.batcher import MicroBatcher

__all__ = ["MicroBatcher", "ServeConfig", "create_app"]
