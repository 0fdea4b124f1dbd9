"""The classroom: accounts, classes with join codes, the instructor dashboard, problem reports."""
