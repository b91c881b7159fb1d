import sys

from vnnews.cli import main

sys.exit(main())
