"""`flask demo`: a realistic made-up union for trying the register."""
import click


@click.command("demo")
def demo_command():
    """Fill an empty database with demo data."""
    raise click.ClickException("not yet")
