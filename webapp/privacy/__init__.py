"""Children's-data protection: the officer, access grants, alerts and consent records."""
