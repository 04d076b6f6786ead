"""driftline: post-deployment ML model monitoring as a dbt package, plus a small Python CLI around it."""

__version__ = "0.1.0"
