"""The workbench's views, one module per page family. Each view parses the request, calls
the console's services (which reach the sandbox through its services and selectors), and
answers through ``base.workbench``: the page, its htmx partial or its JSON twin."""
