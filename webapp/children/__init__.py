"""The child's archive (留守儿童档案)."""
