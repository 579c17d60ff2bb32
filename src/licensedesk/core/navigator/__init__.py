"""The "which license do I need" navigator: a company's answers about what it does → the licenses,
filings and approvals it needs, each with its reasons and legal bases (no Django)."""
