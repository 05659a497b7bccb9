"""Ingestion: landing-zone files → typed raw tables in the warehouse, with rejects."""
