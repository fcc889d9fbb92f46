"""Facts every layer shares, at the bottom of the dependency graph.

- `core.months`: the one `Month` type (parse, validate, shift, bounds) used everywhere.
- `core.settings`: the one module that reads the process environment (paths, embedding model,
  user agent, GitHub token, dump memory limit) and sets the defaults Prefect and the model
  loader need.

May import only the standard library. Every other package may import it.
"""
