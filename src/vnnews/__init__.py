"""vnnews: clean, structured articles and summaries from scraped Vietnamese news pages."""

__version__ = "0.1.0"
