from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "dynalab.api"
    label = "api"
    verbose_name = "DynamoDB wire endpoint"

    def ready(self) -> None:
        # Django's development server (`make run`, the tests' live server) sends a response's
        # headers and body in two writes; with Nagle's algorithm on, the second waits for the
        # client's delayed ACK, and every SDK call takes 40 ms more. socketserver's own switch
        # turns Nagle off for its connections.
        from django.core.servers.basehttp import WSGIRequestHandler

        WSGIRequestHandler.disable_nagle_algorithm = True
