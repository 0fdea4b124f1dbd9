"""The DynamoDB wire endpoint: JSON 1.0 over HTTP, SigV4 with each sandbox's access keys."""
