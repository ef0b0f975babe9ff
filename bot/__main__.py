"""Entry point: `python -m bot ...`. The only place (with tests) that loads `.env`."""

import sys

from dotenv import load_dotenv

from bot.cli import main

if __name__ == "__main__":
    load_dotenv()
    sys.exit(main())
