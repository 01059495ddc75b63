"""ipstats: IP statistics warehouse and plan-monitoring reports (all pipeline logic lives here)."""

__version__ = "0.1.0"
