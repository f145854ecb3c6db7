"""Report: what a run found, for people and machines: the text table and summary (text.py),
findings of the gate (findings.py, gate.py), SARIF, JUnit, `akfix explain`, report files
(outputs.py), terminal colour (style.py) and the progress bar (progress.py).

May import fixer.pipeline and below (model, plan, edit); never cli or deliver.
"""
