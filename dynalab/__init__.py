"""DynaLab: a self-hostable classroom for Amazon DynamoDB (the Django project)."""
