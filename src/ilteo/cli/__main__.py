"""``python -m ilteo.cli`` runs the ``ilteo`` command."""

from ilteo.cli import main

if __name__ == "__main__":
    main()
