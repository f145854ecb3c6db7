"""Deliver: a fix as a git branch, a commit and a pull request (remediate.py), on GitHub, Azure
DevOps or GitLab (forges/), with its words from templates (pr_text.py), for many repositories
at once (bot.py); git.py runs git without running a repository's code; redact.py keeps tokens
out of every message.

May import fixer.pipeline, fixer.kustomize and below; never cli or report.
"""
