"""Demo data: three schools under one township, believable children, the CONTRACT's accounts."""

DEMO_PASSWORD = "shouwang-demo"

# The accounts CONTRACT.md promises; production refuses to start while they open with the demo
# password.
DEMO_PHONES = [
    "13800000001",
    "13800000002",
    "13800000003",
    "13800000004",
    "13800000005",
    "13800000009",
]
