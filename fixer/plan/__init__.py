"""Plan: the pure planner, from a Cluster (and what is known around it) to a Fix.

planner.py encodes the azurerm rules and dispatches PUT-deployed clusters to put.py (ARM, Bicep,
azapi, azure-native); changes.py holds what both build fixes from; views.py keeps fixes of
several views of one cluster consistent; rules/ holds the version tables, as data.

May import only fixer.model and fixer.versions: no file is read and nothing is printed here.
"""
