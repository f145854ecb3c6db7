"""ARM JSON deployment templates: template.py finds managed clusters at any depth (nested
deployments, symbolic names) and writes edits by byte span; adapter.py plugs ARM into the
shared PUT loop (formats/put.py).

May import fixer.formats' shared modules, fixer.plan, fixer.edit and below.
"""
