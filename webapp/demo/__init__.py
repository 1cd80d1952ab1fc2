"""Demo data: three schools under one township, believable children, the CONTRACT's accounts."""

DEMO_PASSWORD = "shouwang-demo"

# The demo accounts (CONTRACT.md's first); production refuses to start while any opens with the demo
# password.
DEMO_PHONES = [
    "13800000001",
    "13800000002",
    "13800000003",
    "13800000004",
    "13800000005",
    "13800000009",
    # The demo's other staff (volunteer, counsellor, department head, safety lead, dorm
    # supervisor, coordinator, county officer): a production that kept them is just as open.
    "13900000150",
    "13900000160",
    "13900000180",
    "13900000190",
    "13900000191",
    "13900000220",
    "13900000230",
]
