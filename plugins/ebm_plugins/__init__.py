"""The built-in plugins shipped in the ebm-core wheel.

ebm-core never imports this package: each subpackage is an entry point in group ``ebm``
(see ``pyproject.toml``) and is discovered exactly like a third-party plugin.
"""
