"""Operations, the top layer: the `assistant` command line, the stack supervisor and its profiles, schema
migrations and the throw-away stacks the tests and evaluations start. Nothing below imports from here."""
