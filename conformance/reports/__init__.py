"""Renderings of a findings document: findings.json, the terminal summary, Markdown, HTML, JUnit."""
