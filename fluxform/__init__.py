"""fluxform: a plan/apply tool for the boundary between infrastructure and GitOps."""

__version__ = "0.1.0"
