"""Ingestion of statistics exports: parsing (:mod:`etl.ingest.parse`) and loading
(:mod:`etl.ingest.pipeline`). Import the parts from their modules; this package stays light."""
