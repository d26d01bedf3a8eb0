"""The union's rules as pure functions: no Flask, no database."""
