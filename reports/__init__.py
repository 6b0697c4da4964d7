"""Weekly report: periods, the report model, its XLSX export."""
