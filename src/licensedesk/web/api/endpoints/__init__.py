"""The API's operations, one module per resource; each is a thin call of a selector or service."""
