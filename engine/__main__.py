"""`python -m engine <rasa arguments>`: Rasa's own command line, with our engine patches applied first."""

from engine.patches import apply_all


def main() -> None:
    apply_all()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
