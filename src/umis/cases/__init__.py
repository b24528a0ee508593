"""The one-stop-shop case engine (issue #4; ADR 0011). So far: the workflows as data
(workflow.py) and the statutory deadlines (rules.py)."""
