"""Reports: the archive's eight tables (八大档案), the term plan and summary, the monthly report."""
