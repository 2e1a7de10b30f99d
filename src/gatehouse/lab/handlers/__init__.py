"""Operation handlers, one module per service, each exporting its ROUTES."""
