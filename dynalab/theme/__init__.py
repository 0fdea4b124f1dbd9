"""The Tailwind theme app: the CSS source in static_src/, the built CSS in static/."""
