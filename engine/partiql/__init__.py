"""DynamoDB's PartiQL dialect: lexer, parser and translation into the engine's own requests.

    parsed = parse(statement_text)                      # engine.partiql.parser
    plan = plan_select(parsed.statement, table, params)  # engine.partiql.translate

The operations that run statements are in engine/operations/partiql.py; README.md names the
phases.
"""
