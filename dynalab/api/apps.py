from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "dynalab.api"
    label = "api"
    verbose_name = "DynamoDB wire endpoint"
