"""The learner's workbench: pages and htmx partials."""
