"""Cell values that look like code, formulas or template expressions: each must stay a plain string."""

FORMULAS = (
    "__import__('os').system('touch {marker}')",
    "=cmd|' /C touch {marker}'!A0",
    "@SUM(1+1)",
    "+1+1",
    '=HYPERLINK("http://example.com")',
    "eval('1')",
    "{{7*7}}",
    "${{jndi:ldap://example.com/a}}",
)
